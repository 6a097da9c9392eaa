"""The one fence builder behind the notes export and the report's letters."""

from __future__ import annotations

from mockroom.markdown import fenced


def test_a_fence_outlasts_every_run_of_backticks_inside() -> None:
    assert fenced("plain\n") == ["```", "plain", "```"]
    pasted = "Use ``` to start a block, or ````` for five."
    assert fenced(pasted, "text") == ["``````text", pasted, "``````"]
