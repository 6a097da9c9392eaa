"""The review of a scripted room after the session: clips, speech figures, ratings, comments.

routes (the review page, its JSON API and its Markdown export); figures (the speech figures
per question, worded).
"""
