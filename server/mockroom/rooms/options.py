"""A room's creation options applied to its bank: one rule for the peer and the scripted flow.

Both interview engines ask the same bank the same way: the room's `think_seconds` and
`answer_seconds` replace every question's own, `shuffle` orders the questions with a seed taken
from the room id (so a replay, a resumed session and every client agree), and `question_count`
cuts after shuffling (so a shuffled room asks a random subset). Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

from ..banks.model import Bank, bank_from_dict
from ..storage.interface import RoomRecord

T = TypeVar("T")
TIMING_OPTIONS = ("think_seconds", "answer_seconds")


def shuffle_seed(room: RoomRecord) -> int | None:
    """The room's question-order seed, or None when the room asks the bank's order."""
    if not room.options.get("shuffle"):
        return None
    try:
        # Room ids are hex (links.tokens.new_room_id); this is the seed stored peer rooms use.
        return int(room.id, 16) % (2**31)
    except ValueError:  # ids made by hand (tests, imports): still one stable seed per id
        return int.from_bytes(hashlib.sha256(room.id.encode()).digest()[:4], "big") % (2**31)


def question_count(room: RoomRecord) -> int | None:
    count = room.options.get("question_count")
    return count if isinstance(count, int) and count > 0 else None


def room_bank(room: RoomRecord) -> Bank | None:
    """The room's bank with its timing options over each question's own; None: no bank."""
    if room.bank is None:
        return None
    bank = bank_from_dict(room.bank)
    overrides = {k: room.options[k] for k in TIMING_OPTIONS if isinstance(room.options.get(k), int)}
    if not overrides:
        return bank
    questions = tuple(dataclasses.replace(q, **overrides) for q in bank.questions)
    return dataclasses.replace(bank, questions=questions)


def asking_order(items: Sequence[T], seed: int | None, count: int | None) -> list[T]:
    """Items in asking order: shuffled by `seed` (when given), then cut to `count`."""
    ordered = list(items)
    if seed is not None:
        # A private Random: the global one would make the order depend on unrelated callers.
        random.Random(seed).shuffle(ordered)
    return ordered if count is None else ordered[:count]
