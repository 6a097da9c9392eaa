"""What the shipped banks hold that a candidate must never receive."""

from __future__ import annotations

from mockroom.banks.model import load_bank
from mockroom.settings import Settings


def secret_strings(bank_id: str) -> list[str]:
    """Every hint, follow-up and rubric line of a shipped bank: none may reach a candidate."""
    bank = load_bank(Settings().banks_dir / f"{bank_id}.toml")
    return [s for q in bank.questions for s in (*q.hints, *q.follow_ups, *q.rubric)]
