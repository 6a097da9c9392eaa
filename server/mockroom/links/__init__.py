"""Capability links: one secret link per role, stored only as a hash.

tokens (random secrets, hashes) · issue (link URLs, issuing and renewing) · sockets (which open
sockets each link holds, so a withdrawn link is cut off) · cache (each node's last read of a
link, so a signaling message re-checks it without a database round trip) · vault (sealed
copies the owner can see again) · signed (short-lived signed URLs, so no token sits in a URL) ·
routes (GET /api/rooms/{id}/links, POST …/page-ticket).
"""
