"""The interview's countdowns: extend, pause and resume, ticks at zero, and the countdown held
while the candidate is away.

Shared bank, clock and drivers: tests/support/interview.py.
"""

from __future__ import annotations

from support.interview import (
    CAND,
    INT,
    OBS,
    T0,
    code_of,
    started,
)

# ---- timers --------------------------------------------------------------------------------------


def test_extend_adds_thirty_seconds_to_the_running_countdown() -> None:
    iv = started()
    event = iv.extend(by=INT, now=T0 + 5000)
    assert event == {"type": "extend", "at": T0 + 5000, "by": INT, "ms": 30_000}
    timer = iv.view_for(CAND)["timer"]
    assert timer["deadline"] == T0 + 50_000 and timer["duration_ms"] == 50_000
    assert iv.state.asked[0].extensions == 1


def test_pause_freezes_remaining_and_resume_moves_the_deadline() -> None:
    iv = started()  # think: 20 s from T0
    iv.pause(by=INT, now=T0 + 5000)
    timer = iv.view_for(OBS)["timer"]
    assert timer["paused"] is True and timer["deadline"] is None
    assert timer["remaining_ms"] == 15_000
    assert iv.next_deadline is None
    assert iv.tick(T0 + 100_000) == []  # a paused countdown never runs out
    assert code_of(lambda: iv.pause(by=INT, now=T0 + 6000)) == "already-paused"
    iv.extend(by=INT, now=T0 + 7000)  # while paused: adds to what remains
    assert iv.state.timer is not None and iv.state.timer.remaining_ms == 45_000
    iv.resume(by=INT, now=T0 + 10_000)
    timer = iv.view_for(CAND)["timer"]
    assert timer["paused"] is False and timer["remaining_ms"] is None
    assert timer["deadline"] == T0 + 55_000 and timer["duration_ms"] == 50_000
    assert iv.next_deadline == T0 + 55_000
    assert code_of(lambda: iv.resume(by=INT, now=T0 + 11_000)) == "not-paused"


def test_actual_durations_exclude_pauses_and_include_extensions() -> None:
    iv = started()  # think 20 s from T0, deadline T0+20s
    iv.pause(by=INT, now=T0 + 10_000)
    iv.resume(by=INT, now=T0 + 19_000)  # paused 9 s: deadline T0+29s
    iv.extend(by=INT, now=T0 + 29_000)  # deadline T0+59s
    assert iv.tick(T0 + 58_999) == []
    (event,) = iv.tick(T0 + 59_000)
    assert event == {"type": "timeout", "at": T0 + 59_000, "by": "clock", "phase": "think"}
    assert iv.state.asked[0].think_ms == 50_000  # 20 s + 30 s extension, without the pause
    assert iv.state.phase == "answer"


def test_extend_after_zero_counts_from_now() -> None:
    iv = started()  # deadline T0+20s, nobody ticks
    iv.extend(by=INT, now=T0 + 25_000)
    assert iv.next_deadline == T0 + 55_000
    assert iv.state.timer is not None and iv.state.timer.duration_ms == 55_000


def test_pause_after_zero_keeps_nothing_remaining() -> None:
    iv = started()
    iv.pause(by=INT, now=T0 + 25_000)
    assert iv.state.timer is not None and iv.state.timer.remaining_ms == 0
    iv.resume(by=INT, now=T0 + 30_000)
    assert [e["at"] for e in iv.tick(T0 + 30_000)] == [T0 + 30_000]


def test_tick_moves_think_to_answer_and_answer_to_follow_ups_at_zero() -> None:
    iv = started()
    assert iv.tick(T0 + 19_999) == [] and iv.state.phase == "think"
    iv.tick(T0 + 20_000)
    assert iv.state.phase == "answer"
    assert iv.state.timer is not None and iv.state.timer.started_at == T0 + 20_000
    assert iv.next_deadline == T0 + 110_000
    iv.tick(T0 + 110_000)
    assert iv.state.phase == "follow_ups" and iv.next_deadline is None
    assert (iv.state.asked[0].think_ms, iv.state.asked[0].answer_ms) == (20_000, 90_000)
    assert iv.tick(T0 + 10_000_000) == []  # follow-ups wait for the interviewer


def test_a_late_tick_catches_up_with_every_deadline_it_missed() -> None:
    iv = started()
    events = iv.tick(T0 + 500_000)
    assert [(e["phase"], e["at"]) for e in events] == [
        ("think", T0 + 20_000),
        ("answer", T0 + 110_000),
    ]
    assert iv.state.phase == "follow_ups"


def test_without_tick_the_countdown_stays_at_zero_and_overtime_is_logged() -> None:
    iv = started()
    iv.next(by=INT, now=T0 + 30_000)  # 10 s past zero
    assert iv.state.asked[0].think_ms == 30_000


def test_zero_think_time_ends_at_the_first_tick() -> None:
    iv = started(question_ids=("q2",))
    assert iv.next_deadline == T0
    iv.tick(T0)
    assert iv.state.phase == "answer" and iv.state.asked[0].think_ms == 0


def test_a_stale_timeout_is_rejected() -> None:
    iv = started()
    early = {"type": "timeout", "at": T0 + 19_000, "by": "clock", "phase": "think"}
    assert code_of(lambda: iv.apply(early)) == "invalid-event"
    wrong_phase = {"type": "timeout", "at": T0 + 20_000, "by": "clock", "phase": "answer"}
    assert code_of(lambda: iv.apply(wrong_phase)) == "invalid-event"
    iv.pause(by=INT, now=T0 + 1000)
    paused = {"type": "timeout", "at": T0 + 20_000, "by": "clock", "phase": "think"}
    assert code_of(lambda: iv.apply(paused)) == "invalid-event"


def test_candidate_done_ends_think_early_then_the_answer() -> None:
    iv = started()
    iv.done(by=CAND, now=T0 + 8000)
    assert iv.state.phase == "answer" and iv.state.asked[0].think_ms == 8000
    iv.done(by=CAND, now=T0 + 48_000)
    assert iv.state.phase == "follow_ups" and iv.state.asked[0].answer_ms == 40_000


# ---- presence: the countdown waits for an absent candidate ---------------------------------------


def test_the_countdown_is_held_while_the_candidate_is_away() -> None:
    iv = started()
    assert iv.state.timer is not None
    iv.away(CAND, now=T0 + 5000)
    timer = iv.view_for(INT)["timer"]
    assert timer["paused"] and timer["held"] and timer["remaining_ms"] == 15_000
    assert iv.view_for(INT)["away"] == [CAND]
    assert iv.next_deadline is None  # the clock does not move while they are gone
    iv.back(CAND, now=T0 + 65_000)
    timer = iv.view_for(INT)["timer"]
    assert not timer["paused"] and not timer["held"] and timer["deadline"] == T0 + 80_000
    assert iv.view_for(INT)["away"] == []
    # The interviewer being away does not stop the candidate's time.
    iv.away(INT, now=T0 + 66_000)
    assert not iv.state.timer.paused


def test_a_countdown_that_begins_while_the_candidate_is_away_begins_held() -> None:
    iv = started()
    iv.next(by=INT, now=T0 + 1000)
    iv.next(by=INT, now=T0 + 2000)  # follow-ups: no timer
    iv.away(CAND, now=T0 + 3000)
    iv.next(by=INT, now=T0 + 4000)  # question 2 begins without them
    assert iv.state.timer is not None and iv.state.timer.held
    iv.resume(by=INT, now=T0 + 5000)  # the interviewer may override
    assert not iv.state.timer.paused and not iv.state.timer.held
    assert code_of(lambda: iv.away(CAND, now=T0 + 6000)) == "already-away"
    iv.back(CAND, now=T0 + 7000)
    assert code_of(lambda: iv.back(CAND, now=T0 + 8000)) == "not-away"
    assert code_of(lambda: iv.apply({"type": "away", "at": T0, "by": INT, "who": CAND})) == (
        "not-allowed"
    )
    assert code_of(lambda: iv.away(OBS, now=T0 + 9000)) == "invalid-event"


def test_a_manual_pause_is_not_undone_by_a_return() -> None:
    iv = started()
    iv.pause(by=INT, now=T0 + 1000)
    iv.away(CAND, now=T0 + 2000)
    iv.back(CAND, now=T0 + 3000)
    assert iv.state.timer is not None and iv.state.timer.paused and not iv.state.timer.held
