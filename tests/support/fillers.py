"""A transcript-exact recogniser for the filler tests: it "hears" a known script, spelled the
way real recognisers spell hesitations ("Umm,", "uhh", "Erm."), timed across the take. Defined
in support (not in a test) so a spawned recognition worker can unpickle it."""

from __future__ import annotations

from mockroom.speech.recognizer import RATE, Word

# Five fillers for the default list (um x3: "Umm,", "erm,", "Um."; uh x2: "uh,", "uhh"), and
# an "ah" that only a list naming "ah" counts.
SCRIPT = "Umm, so I led the migration, uh, and we, erm, finished it, uhh, two weeks early ah. Um."
DEFAULT_LIST_COUNT = 5


class ScriptRecognizer:
    name = "script"

    def transcribe(self, pcm: bytes) -> list[Word]:
        tokens = SCRIPT.split()
        seconds = len(pcm) / 2 / RATE
        step = seconds / (len(tokens) + 1)
        return [
            Word(t, round((i + 0.5) * step, 2), round((i + 1.2) * step, 2), 0.9)
            for i, t in enumerate(tokens)
        ]
