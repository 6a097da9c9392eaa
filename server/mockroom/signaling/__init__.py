"""The signaling socket of a room: join, relay SDP and candidates, who is here.

protocol (the wire: message schemas, parse and encode, pure) · presence (seats and participants,
pure) · media_rules (who may send media, checked on SDP, pure) · peer (one socket's bounded send
queue) · connection (`Connection`, handler types, reading a frame) · handshake (hello → seat →
welcome) · handlers (the built-in signal relay, state, ping) · service (`Signaling`: the
/ws/rooms/{id} handler, the dispatch loop, leaving, shutdown).
"""
