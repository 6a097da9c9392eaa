"""Recorded answers of scripted rooms: chunked uploads kept on disk.

clips (chunk and clip rules, pure) · remux (seekable WebM after the last chunk) · routes
(`ClipStore`: files on disk and their rows; the upload, list, download and delete API).
"""
