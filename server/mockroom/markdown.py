"""Markdown building blocks shared by the downloads (notes export, report). Pure, no I/O."""

from __future__ import annotations

import re


def fenced(body: str, info: str = "") -> list[str]:
    """`body` as a fenced block, one list item a line. The fence is longer than any run of
    backticks inside, so text pasted into the notes or a letter can never close it early."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", body.rstrip("\n"), fence]
