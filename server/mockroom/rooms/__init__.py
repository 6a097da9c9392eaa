"""A room's life: the creation request, deletion and retention.

request (parse and validate `POST /api/rooms`, pure) · hooks (what live services do when a room
goes) · deletion (`DELETE /api/rooms/{id}`: rows, files, sockets) · retention (rooms expire after
their last use; the sweeper and `mockroom gc`).
"""
