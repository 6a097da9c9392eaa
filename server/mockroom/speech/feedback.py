"""Speaking feedback for one take, from its timed words. Pure domain: no I/O, no clock.

Every figure carries `at_s`, the moment in the clip it points at (the first filler, the pause,
the first "we"...), so the review page can seek the player there, and one line of advice in the
tone of the report's next steps. The thresholds are coaching rules of thumb, not science:
130-160 words a minute reads as a steady pace; more than about 3 fillers a minute is noticeable.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .recognizer import Word

DEFAULT_FILLERS = ("um", "uh", "like", "you know", "sort of")
I_WORDS = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself"})
WE_WORDS = frozenset({"we", "we're", "we've", "we'd", "we'll", "us", "our", "ours", "ourselves"})
# Phrases that usually open each part of a STAR story (Situation, Task, Action, Result).
STAR_CUES: dict[str, tuple[str, ...]] = {
    "situation": ("the situation", "at the time", "back when", "context", "we were"),
    "task": ("my task", "my goal", "my job", "the goal", "responsible for", "i needed to"),
    "action": ("i decided", "so i", "i started", "i led", "i built", "i wrote", "i talked"),
    "result": ("as a result", "the result", "in the end", "which meant", "outcome", "percent"),
}
_STOP = "a an and the of to in on for with at by from is are was be as or that this it its your "
_MORE_STOP = (
    "you how what when why who which into about than then clear good their them they not own "
    "other others were has have had can will would should"
)
STOPWORDS = frozenset((_STOP + _MORE_STOP).split())
SLOW_WPM, FAST_WPM = 110, 170
MANY_FILLERS_PER_MIN = 3.0
LONG_PAUSE_S = 3.0


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str  # worded for people: "142 words a minute"
    number: float | None  # the same as a number, for tests and exports
    at_s: float | None  # the moment it points at; None when there is none
    advice: str


@dataclass(frozen=True)
class Feedback:
    figures: tuple[Figure, ...]
    fillers: tuple[tuple[str, float], ...] = ()  # (filler, its start in seconds)
    terms_used: tuple[tuple[str, float], ...] = ()
    terms_missed: tuple[str, ...] = ()
    star: dict[str, float | None] = field(default_factory=dict)  # part -> first cue time

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def parse_fillers(raw: str) -> tuple[str, ...]:
    """MOCKROOM_FILLER_WORDS: comma-separated words or short phrases, matched case-insensitively."""
    items = (" ".join(part.lower().split()) for part in raw.split(","))
    return tuple(dict.fromkeys(item for item in items if item))


# How recognisers spell a hesitation sound ("Umm,", "uhh", "erm"): one spelling per sound, so
# a filler list of "um, uh" counts every spelling a transcript uses, exactly, whatever backend
# wrote it (pocketsphinx's dictionary has "umm"; Whisper writes "Um," and "Uhh").
HESITATIONS = (
    (re.compile(r"^(u+h*m+|e+r+m+)$"), "um"),  # um, umm, uhm, erm (British "um")
    (re.compile(r"^u+h+$"), "uh"),
    (re.compile(r"^e+r+$"), "er"),
    (re.compile(r"^a+h+$"), "ah"),
    (re.compile(r"^h+m+$"), "hmm"),
)


def hesitation(token: str) -> str:
    """The one spelling of a hesitation sound ("ummm" -> "um"); other tokens unchanged."""
    for pattern, canonical in HESITATIONS:
        if pattern.match(token):
            return canonical
    return token


def _tokens(words: Sequence[Word]) -> list[str]:
    return [hesitation(w.text.lower().strip('.,!?;:"…-')) for w in words]


def find_phrases(words: Sequence[Word], phrases: Iterable[str]) -> list[tuple[str, float]]:
    """Every occurrence of each phrase (one or more words), with its start, in time order.

    Longer phrases win where they overlap a shorter one ("you know" is not also "know")."""
    tokens = _tokens(words)
    spelled = {tuple(hesitation(w) for w in p.lower().split()) for p in phrases if p.split()}
    wanted = sorted(spelled, key=len, reverse=True)
    taken = [False] * len(tokens)
    hits: list[tuple[int, str]] = []
    for phrase in wanted:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i : i + n]) == phrase and not any(taken[i : i + n]):
                taken[i : i + n] = [True] * n
                hits.append((i, " ".join(phrase)))
    return [(text, words[i].start_s) for i, text in sorted(hits)]


def rubric_terms(rubric: Iterable[str]) -> list[str]:
    """The content words of rubric items ("Quantified result" -> quantified, result)."""
    terms: list[str] = []
    for item in rubric:
        for token in re.findall(r"[a-z][a-z'-]+", item.lower()):
            if token not in STOPWORDS and len(token) > 2 and token not in terms:
                terms.append(token)
    return terms


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _minutes(words: Sequence[Word]) -> float:
    return max(0.0, words[-1].end_s - words[0].start_s) / 60 if words else 0.0


def pace_figure(words: Sequence[Word]) -> Figure:
    minutes = _minutes(words)
    if minutes <= 0:
        return Figure("wpm", "Pace", "no words recognised", None, None, "Nothing to measure yet.")
    wpm = len(words) / minutes
    if wpm < SLOW_WPM:
        advice = "Slower than most speakers: fine for a hard point, but keep the story moving."
    elif wpm > FAST_WPM:
        advice = "Fast: slow down at the key points so the interviewer can take notes."
    else:
        advice = "A steady, easy-to-follow pace."
    return Figure(
        "wpm", "Pace", f"{wpm:.0f} words a minute", round(wpm, 1), words[0].start_s, advice
    )


def filler_figure(words: Sequence[Word], hits: Sequence[tuple[str, float]]) -> Figure:
    minutes = _minutes(words)
    rate = len(hits) / minutes if minutes > 0 else 0.0
    first = hits[0][1] if hits else None
    if not hits:
        advice = "No filler words heard: clean delivery."
    elif rate > MANY_FILLERS_PER_MIN:
        advice = "Noticeable fillers: a short silent pause sounds more confident than 'um'."
    else:
        advice = "A few fillers, within what listeners ignore."
    value = f"{len(hits)} ({rate:.1f} a minute)"
    return Figure("fillers_per_min", "Filler words", value, round(rate, 2), first, advice)


def pause_figure(words: Sequence[Word]) -> Figure:
    gaps = [(b.start_s - a.end_s, a.end_s) for a, b in itertools.pairwise(words)]
    longest, at = max(gaps, default=(0.0, None))
    if at is None:
        return Figure("longest_pause", "Longest pause", "none", 0.0, None, "No pause to speak of.")
    if longest >= LONG_PAUSE_S:
        advice = "A long pause: fine to think, but say so ('let me think for a second')."
    else:
        advice = "Pauses were short: the answer flowed."
    return Figure(
        "longest_pause", "Longest pause", f"{longest:.1f} s", round(longest, 2), at, advice
    )


def pronoun_figure(words: Sequence[Word]) -> Figure:
    tokens = _tokens(words)
    i_count = sum(t in I_WORDS for t in tokens)
    we_count = sum(t in WE_WORDS for t in tokens)
    first_we = next((w.start_s for w, t in zip(words, tokens, strict=True) if t in WE_WORDS), None)
    if we_count > i_count:
        advice = "More 'we' than 'I': say what you did yourself; the interviewer is hiring you."
    elif i_count == 0:
        advice = "Say 'I' for the steps you took, so your part is clear."
    else:
        advice = "Your own part comes through ('I' at least as often as 'we')."
    value = f"I {i_count} · we {we_count}"
    ratio = i_count / we_count if we_count else float(i_count)
    return Figure("i_vs_we", "'I' vs 'we'", value, round(ratio, 2), first_we, advice)


def star_figure(words: Sequence[Word]) -> tuple[Figure, dict[str, float | None]]:
    parts: dict[str, float | None] = {}
    for part, cues in STAR_CUES.items():
        hits = find_phrases(words, cues)
        parts[part] = hits[0][1] if hits else None
    heard = [p for p, at in parts.items() if at is not None]
    missing = [p for p, at in parts.items() if at is None]
    value = f"{len(heard)} of 4 ({', '.join(heard) or 'none'})"
    if missing:
        advice = "Not heard: " + ", ".join(missing) + ". A STAR answer names each part."
    else:
        advice = "All four STAR parts are signposted."
    first = min((at for at in parts.values() if at is not None), default=None)
    return Figure("star", "STAR cues", value, float(len(heard)), first, advice), parts


def rubric_figure(
    words: Sequence[Word], rubric: Sequence[str]
) -> tuple[Figure | None, list[tuple[str, float]], list[str]]:
    terms = rubric_terms(rubric)
    if not terms:
        return None, [], []
    stems = {_stem(t): t for t in terms}
    used: dict[str, float] = {}
    for word, token in zip(words, _tokens(words), strict=True):
        term = stems.get(_stem(token))
        if term is not None and term not in used:
            used[term] = word.start_s
    missed = [t for t in terms if t not in used]
    value = f"{len(used)} of {len(terms)} used"
    advice = ("Not heard: " + ", ".join(missed) + ".") if missed else "Every rubric term came up."
    first = min(used.values(), default=None)
    figure = Figure("rubric_terms", "Rubric terms", value, float(len(used)), first, advice)
    return figure, sorted(used.items(), key=lambda kv: kv[1]), missed


def speaking_feedback(
    words: Sequence[Word], *, fillers: Sequence[str] = DEFAULT_FILLERS, rubric: Sequence[str] = ()
) -> Feedback:
    """All figures for one take; `words` in time order."""
    hits = find_phrases(words, fillers)
    star, parts = star_figure(words)
    rubric_fig, used, missed = rubric_figure(words, rubric)
    figures = [pace_figure(words), filler_figure(words, hits), pause_figure(words)]
    figures += [pronoun_figure(words), star]
    if rubric_fig is not None:
        figures.append(rubric_fig)
    return Feedback(tuple(figures), tuple(hits), tuple(used), tuple(missed), parts)
