"""What each page loads before it is usable, by module (issue 13): the parts a page needs only
later stay behind a dynamic import. Read from esbuild's metafile (web/build.mjs writes it), so a
static import that pulls one of them back in fails here by name; bench/weight.py has the bytes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from support.paths import WEB

# page entry -> modules it must not load at once (what they wait for).
LATER = {
    "home-page.js": ["links-panel.js"],  # the home page copies an invite line: invite-message.js
    "scripted-page.js": [
        "scripted-call.js",  # the media link: the join
        "scripted-captions.js",  # its toggle is in the live view: the join
        "scripted-takes.js",  # recording answers: the join
        "recorder.js",
        "protocol.js",  # the room's socket: the join (before it, one GET says where it stands)
        "protocol-clock.js",  # and its parts
        "protocol-requests.js",
        "protocol-handlers.js",
        "reconnect.js",
        "scripted-outage.js",  # a server outage: only a joined page can have one
        "scripted-answers.js",  # "Your answers": the takes of the live view
        "links-mount.js",  # the owner's folded links panel: after the first request
        "links-panel.js",
    ],
    "review-page.js": ["transcript-view.js"],  # only where a take has a transcript
}


def loaded_at_once(meta: dict[str, Any], entry: str) -> set[str]:
    """The source modules in the page's bundle and in every chunk it imports statically."""
    outputs = meta["outputs"]
    start = next(f for f, o in outputs.items() if o.get("entryPoint") == f"src/{entry}")
    seen: set[str] = set()
    todo, modules = [start], set[str]()
    while todo:
        file = todo.pop()
        if file in seen:
            continue
        seen.add(file)
        modules.update(name.split("/")[-1] for name in outputs[file]["inputs"])
        todo += [i["path"] for i in outputs[file]["imports"] if i["kind"] == "import-statement"]
    return modules


@pytest.mark.parametrize("entry", sorted(LATER))
def test_what_a_page_needs_later_is_not_loaded_at_once(built_web: None, entry: str) -> None:
    meta = json.loads((WEB / "static/build/metafile.json").read_text())
    modules = loaded_at_once(meta, entry)
    assert entry in modules  # the walk found the page itself
    assert modules.isdisjoint(LATER[entry]), sorted(modules & set(LATER[entry]))
    everything = {name.split("/")[-1] for name in meta["inputs"]}
    assert set(LATER[entry]) <= everything  # each is still built, behind a dynamic import
