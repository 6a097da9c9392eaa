"""scripted-outage.js and scripted-card.js under Node: what the scripted page does through a
server outage, and what its question card says (the browser test, test_browser_survive.py -k
scripted, drives the same path against a server killed with -9).

The follower gets a fake status element and a `send` that records; its timers are Node's, and
the test only reads what happens synchronously.
"""

from __future__ import annotations

from typing import Any

import pytest

from support.node import run_node

pytestmark = pytest.mark.node

OUTAGE = r"""
const { OutageFollower } = await import(process.env.SRC + "/scripted-outage.js");
const said = [], sent = [];
const status = { dataset: {} };
const make = () => new OutageFollower({
  say: (text) => said.push(text), status, send: (msg) => sent.push(msg),
});
const answering = { phase: "answer", recording: true, consented: true };
// A take recording when the socket dropped: the new server's first state offers to resume it.
const f = make();
f.connection("reconnecting", { outageMs: 0 }, answering, { key: "q2:1", recorder: {} });
const reconnecting = { said: said.at(-1), state: status.dataset.state, was: f.was };
f.connection("open", { wasDown: true }, answering, null);
const back = { said: said.at(-1), state: status.dataset.state };
const resumable = { phase: "waiting", consented: true,
  resume: { question_id: "q2", take: 1, interrupted: true } };
f.state(resumable);
const wentOn = { sent: sent.slice(), resuming: f.resuming, said: said.at(-1), was: f.was };
f.state({ ...answering });
const afterAnswer = f.resuming;
// The server refused to go on by itself: Resume is the person's.
const g = make();
g.connection("reconnecting", {}, { phase: "think", consented: true }, null);
g.state({ phase: "waiting", consented: true, resume: null });
const refused = [g.refused(), g.refused(), sent.at(-1)];
// A session that was waiting stays for the person: nothing is sent.
const h = make();
const before = sent.length;
h.connection("reconnecting", {}, { phase: "waiting", consented: true }, null);
h.state(resumable);
console.log(JSON.stringify({ reconnecting, back, wentOn, afterAnswer, refused,
  waitingSent: sent.length - before, waitingResuming: h.resuming }));
process.exit(0);  // the "back" timers would keep Node up for seconds
"""

CARD = r"""
const C = await import(process.env.SRC + "/scripted-card.js");
const q = { id: "q1", index: 1, count: 5, text: "Tell me about a time." };
const base = { phase: "think", consented: true, question: q, take: 2, retakes_left: 1,
  practice: false, follow_up: false, said: "", timer: null, resume: null };
console.log(JSON.stringify({
  consent: C.phaseLine({ ...base, phase: "waiting", consented: false }, false),
  resuming: C.phaseLine({ ...base, phase: "waiting" }, true),
  listening: C.phaseLine(base, false),
  thinking: C.phaseLine({ ...base, timer: { phase: "think" } }, false),
  take: C.takeLine(base),
  lastTakes: C.takeLine({ ...base, retakes_left: 2, follow_up: true }),
  practice: C.takeLine({ ...base, practice: true }),
  saidQuestion: C.saidLine({ ...base, said: q.text }),
  saidOther: C.saidLine({ ...base, said: "Hello." }),
}));
"""


def test_an_outage_mid_take_goes_on_by_itself_and_a_refusal_hands_resume_back() -> None:
    out: dict[str, Any] = run_node(OUTAGE)
    assert out["reconnecting"] == {
        "said": "Connection to the server lost — reconnecting… (recording continues)",
        "state": "reconnecting",
        "was": {"phase": "answer", "recording": {"question_id": "q2", "take": 1}},
    }
    assert out["back"]["state"] == "back"
    went_on = out["wentOn"]
    assert went_on["sent"] == [
        {"type": "scripted", "action": "start", "recording": {"question_id": "q2", "take": 1}}
    ]
    assert went_on["resuming"] is True and went_on["was"] is None
    assert "kept recording the whole time" in went_on["said"]
    assert out["afterAnswer"] is False  # the session is running again
    # Not the take that was recording (none was): resume as Resume would, then hand it back.
    assert out["refused"] == [True, False, {"type": "scripted", "action": "start"}]
    assert out["waitingSent"] == 0 and out["waitingResuming"] is False


def test_the_question_card_text() -> None:
    out: dict[str, Any] = run_node(CARD)
    assert out["consent"] == "Read how your answers are recorded, then accept to begin."
    assert out["resuming"] == "Picking up where you were…"
    assert out["listening"] == "Listen to the question; think time starts when it ends."
    assert out["thinking"].startswith("Think time")
    assert out["take"] == "Question 2 of 5 · take 2 (1 retake left)"
    assert out["lastTakes"] == "Question 2 of 5 · follow-up, take 2 (2 retakes left)"
    assert out["practice"] == ""
    assert out["saidQuestion"] == "" and out["saidOther"] == "“Hello.”"
