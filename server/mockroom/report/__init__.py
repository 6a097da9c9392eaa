"""The end-of-interview report: what happened, read back from stored events and notes.

model (the report's sections) · markdown (Markdown rendering) · letters (follow-up letter drafts)
· ics (calendar invites) · routes (report page, .md and .ics downloads). What each role may read
of the interview is decided in `interview.report_view`.
"""
