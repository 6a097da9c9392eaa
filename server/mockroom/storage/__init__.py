"""Storage behind one seam: features call methods, never SQL.

interface (the records and the `Store` protocol: rooms and links, events, retention and deletion,
clips, review ratings and comments, speech metrics, sealed links) · sqlite (`SqliteStore`: rooms,
links, events, retention) · sqlite_features (the SQL of the feature tables, mixed into it).
The notes documents keep their own SQLite file behind `notes.storage.NotesStorage` (see there).
"""
