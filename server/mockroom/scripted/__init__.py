"""The scripted interviewer: a server-side aiortc peer that asks, times and measures.

flow (the moves, pure) · flow_state (where it stands, what it shows and saves) · effects (what
the flow hands the session) · followup (the short-answer rule) · tts (espeak-ng voice) · tracks
(voice + question card) · speech (talk-time metrics) · captions (one candidate's live captions)
· session (one candidate's peer connection) · service (signaling wiring) · records (SQL).
"""

from .service import metrics_for_room, setup_scripted

__all__ = ["metrics_for_room", "setup_scripted"]
