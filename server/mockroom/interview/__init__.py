"""The peer interview: one recruiter and one candidate step through a question bank.

Pure domain, no I/O: state (dataclasses, timers) · rules (which event is allowed when, by whom) ·
transitions (what each event does to the state) · flow (`Interview`: the actions, the checks,
`apply`) · views (what each role sees live) · report_view (what each role may read in the
report) · forms (checklist and feedback validation) · config (room options → InterviewConfig,
replay of stored events).
Service: service (the `interview` socket messages, the clock, persistence).
"""
