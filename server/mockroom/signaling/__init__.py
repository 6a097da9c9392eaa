"""The signaling socket of a room: join, relay SDP and candidates, who is here.

protocol (the wire: message schemas, parse and encode, pure) · presence (seats and participants,
pure) · media_rules (who may send media, checked on SDP, pure) · peer (one socket's bounded send
queue) · service (`Signaling`: the /ws/rooms/{id} handler, handshake, relay, shutdown).
"""
