"""Live captions inside a caption worker process: a streaming pocketsphinx decoder per stream.

The server (speech.captions) talks to each worker over a pipe, in tuples:

    server -> worker   ("start", stream)  ("audio", stream, pcm)  ("end", stream)
    worker -> server   ("heard", stream, lines)       once per "audio": its acknowledgement
                       ("ended", stream, lines, audio_s, cpu_s)   once per "end"

`pcm` is 16 kHz mono s16; `lines` is a list of (line number, text, final). A line is what was
said between two pauses, found by pocketsphinx's Endpointer (voice activity over 0.3 s windows):
its words grow as partial hypotheses (`hyp`) and the line is final at the pause (`end_utt`).

Partials are decoded as audio arrives (`full_utt=False`: the cepstral mean is estimated on the
way, which a fresh decoder gets badly wrong for its first seconds); a final line is the same
audio decoded again as one utterance (`full_utt=True`), as a finished take is (speech.sphinx).
Measured on the espeak-ng fixtures through Opus: word error 0.85 live against 0.23 re-decoded on
the same sentence, for about twice the CPU of one pass. Captions still never replace the stored
transcript: a take's is decoded from its whole recording. Like speech.worker, this module is
imported in the child only with pocketsphinx, never aiohttp or the server.
"""

from __future__ import annotations

import contextlib
import os
import time
from multiprocessing.connection import Connection
from typing import Any

from .recognizer import RATE
from .sphinx import ALTERNATE, NOT_WORDS

Line = tuple[int, str, bool]  # (line number from 1, its words so far, final)
# The most aggressive of the Endpointer's four voice-activity modes: a noisy room's hum is not
# taken for speech, and it splits espeak-ng's fixture sentences at their pauses (measured).
VAD_MODE = 3
# A line longer than this (someone who never pauses) is made final and a new one begun, which
# bounds the audio a worker keeps for the final decode (30 s: ~1 MB).
MAX_LINE_S = 30


def clean(hypstr: str) -> str:
    """A hypothesis as words: no silence or noise markers, no alternate-pronunciation tags."""
    words = (ALTERNATE.sub("", w) for w in hypstr.split() if not NOT_WORDS.match(w))
    return " ".join(w.lower() for w in words if w)


class LiveDecoder:
    """One caption stream: feed it PCM as it arrives, get its lines. `decoder` is reused across
    streams (loading one takes ~0.3 s); only the Endpointer is per stream."""

    def __init__(self, decoder: Any) -> None:
        from pocketsphinx import Endpointer

        self.decoder = decoder
        self.endpointer = Endpointer(vad_mode=VAD_MODE, sample_rate=RATE)
        self.line = 0
        self.audio_bytes = 0
        self._rest = b""
        self._partial = ""
        self._utterance = bytearray()  # the line's speech, decoded again when it ends

    def _hyp(self) -> str:
        hyp = self.decoder.hyp()
        return clean(hyp.hypstr) if hyp is not None else ""

    def _speech(self, speech: bytes, was_in_speech: bool, lines: list[Line]) -> None:
        if not was_in_speech or not self._utterance:
            self.decoder.start_utt()
            self.line += 1
            self._partial = ""
        self.decoder.process_raw(speech, False, False)
        self._utterance += speech
        too_long = len(self._utterance) >= MAX_LINE_S * RATE * 2
        if not self.endpointer.in_speech or too_long:  # the pause that ends this line
            lines.append((self.line, self._final(), True))

    def _final(self) -> str:
        """The line's words, decoded again as one whole utterance."""
        self.decoder.end_utt()
        self.decoder.start_utt()
        self.decoder.process_raw(bytes(self._utterance), False, True)
        self.decoder.end_utt()
        self._utterance.clear()
        return self._hyp()

    def feed(self, pcm: bytes) -> list[Line]:
        lines: list[Line] = []
        self.audio_bytes += len(pcm)
        data = self._rest + pcm
        size = self.endpointer.frame_bytes
        usable = len(data) - len(data) % size
        for i in range(0, usable, size):
            was_in_speech = self.endpointer.in_speech
            speech = self.endpointer.process(data[i : i + size])
            if speech is not None:
                self._speech(speech, was_in_speech, lines)
        self._rest = data[usable:]
        if self.endpointer.in_speech and self._utterance:
            partial = self._hyp()
            if partial != self._partial:  # a partial only when its words changed
                self._partial = partial
                lines.append((self.line, partial, False))
        return lines

    def finish(self) -> list[Line]:
        """The stream ended (the answer closed): the line being spoken becomes final."""
        lines: list[Line] = []
        if self.endpointer.in_speech:
            speech = self.endpointer.end_stream(self._rest)
            if speech:
                if not self._utterance:
                    self.decoder.start_utt()
                    self.line += 1
                self._utterance += speech
            if self._utterance:
                lines.append((self.line, self._final(), True))
        self._rest = b""
        return lines


def serve_captions(conn: Connection, target_nice: int) -> None:
    """A caption worker's life (the target of speech.pool.background_process): one stream at a
    time, until the server closes its end of the pipe.

    Unlike a transcript worker (speech.worker) it stays in the server's scheduling group: live
    captions are part of the sessions' work, so they share the server's CPU, at a lower
    priority than its event loop, rather than being background work machine-wide."""
    with contextlib.suppress(OSError):  # not allowed: run as is
        current = os.nice(0)
        if current < target_nice:
            os.nice(target_nice - current)
    from pocketsphinx import Decoder

    worker = _CaptionWorker(conn, Decoder(loglevel="FATAL", samprate=RATE))
    with contextlib.suppress(EOFError, OSError):  # the server closed its end, or went away
        while True:
            worker.serve(conn.recv())


class _CaptionWorker:
    """The stream a worker process decodes now, and its replies."""

    def __init__(self, conn: Connection, decoder: Any) -> None:
        self.conn = conn
        self.decoder = decoder
        self.stream: int | None = None
        self.live: LiveDecoder | None = None
        self.started = time.process_time()

    def serve(self, message: tuple[Any, ...]) -> None:
        kind, number = message[0], message[1]
        live = self.live if number == self.stream else None
        if kind == "start":
            if self.live is not None:  # a stream that was never ended: leave its utterance
                self.live.finish()
            self.stream, self.live = number, LiveDecoder(self.decoder)
            self.started = time.process_time()
        elif kind == "audio":
            self.conn.send(("heard", number, live.feed(message[2]) if live is not None else []))
        elif kind == "end":
            lines, audio_s = [], 0.0
            if live is not None:
                lines, audio_s = live.finish(), live.audio_bytes / 2 / RATE
                self.stream, self.live = None, None
            cpu_s = time.process_time() - self.started
            self.conn.send(("ended", number, lines, audio_s, cpu_s))
