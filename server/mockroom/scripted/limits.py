"""What one node lets scripted rooms cost: the voice's limits and the cap on open sessions.

Each open session is an aiortc peer (about 0.04 core-seconds per second, bench/capacity.py), so a
node refuses new sessions past `max_scripted_sessions` with a message the candidate can act on,
instead of slowing every session down.
"""

from __future__ import annotations

from ..errors import UserError
from ..settings import Settings
from .tts import TtsLimits


def tts_limits(settings: Settings) -> TtsLimits:
    return TtsLimits(
        concurrent=settings.tts_max_concurrent,
        max_chars=settings.tts_max_chars,
        memory_bytes=settings.tts_memory_bytes,
        cache_bytes=settings.tts_cache_bytes,
    )


class ServerFull(UserError):
    code = "server-full"
    status = 503


def server_full(settings: Settings, open_sessions: int) -> bool:
    """No room for one more session (a cap of 0 means no cap)."""
    cap = settings.max_scripted_sessions
    return bool(cap) and open_sessions >= cap


def server_full_error(settings: Settings) -> ServerFull:
    return ServerFull(
        f"The scripted interviewer is busy: this server runs at most "
        f"{settings.max_scripted_sessions} practice sessions at once. "
        "Please reload this page in a few minutes; your progress is saved."
    )
