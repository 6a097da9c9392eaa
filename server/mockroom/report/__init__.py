"""The end-of-interview report: what happened, read back from stored events and notes.

data (what each role may see of a replayed interview) · model (the report's sections) · markdown
(Markdown rendering) · letters (follow-up letter drafts) · ics (calendar invites) · routes
(report page, .md and .ics downloads).
"""
