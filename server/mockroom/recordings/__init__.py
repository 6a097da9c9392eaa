"""Recorded answers of scripted rooms: chunked uploads kept on disk.

clips (chunk and clip rules, pure) · remux (seekable WebM after the last chunk) · store
(`ClipStore`: files on disk and their rows) · access (who may read, upload, delete) · routes (the
upload, list, download and delete API, and `setup_recordings`).
"""
