"""A room's life: the creation request, deletion and retention.

request (parse and validate `POST /api/rooms`, pure) · create (a new room's record, links and
JSON) · again (`POST /api/rooms/{id}/again`: practise again, with the same bank) · hooks (what
live services do when a room goes) · deletion (`DELETE /api/rooms/{id}`: rows, files, sockets) ·
retention (rooms expire after their last use; the sweeper and `mockroom gc`).
"""
