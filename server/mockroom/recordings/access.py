"""Who may record and read which clip: the scripted rules, and the peer rooms' rules.

Scripted rooms: the candidate's link records and deletes, the candidate's and the reviewer's read.

Peer rooms record the *acting candidate's* answers, from its own browser, only while that link
said yes to the recording notice (the interview's `recording` event, so the other side sees it).
A question is asked at most once per session (`pick` refuses an asked one), so a clip's question
names its half: the asked record's interviewer is the half's interviewer, the other seat its
candidate, who owns the clip. The owner reads and deletes its clips at any time. The half's
interviewer reads them only once the interview is `done`, never while it runs: the candidate
is still in the room answering, their consent was to a review afterwards, and until the end
they can take a clip back (Delete my recordings) before anyone else has watched it. Observers
read nothing: they never hold the candidate's consent. A clip a link may not read is a 404,
exactly like one that does not exist, so its existence does not leak either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from ..access import Grant, scripted_only
from ..errors import Conflict, Forbidden, NotFound, UserError
from ..interview.config import INTERVIEW_SOURCE, load_interview
from ..interview.flow import Interview
from ..interview.state import AskedQuestion, halves, other_seat
from ..keys import STORE
from ..roles import Mode, Role
from .clips import Clip, ClipRequest, clip_json, parse_clip_request

READ_ROLES = frozenset({Role.CANDIDATE, Role.REVIEWER})
PEER_SEATS = frozenset({Role.INTERVIEWER, Role.CANDIDATE})
# While the answer runs, and through the follow-ups: a browser whose first POST failed keeps
# retrying it (recorder.js) and must still get its clip once the network is back.
RECORDING_PHASES = frozenset({"answer", "follow_ups"})


class ClipAccess(Protocol):
    @property
    def grant(self) -> Grant: ...

    def open_request(self, data: Any) -> ClipRequest: ...
    def check_reader(self) -> None: ...  # 403 for a link that never reads a clip here
    def may_read(self, clip: Clip) -> bool: ...
    def check_owner(self, clip: Clip) -> None: ...  # may finish it
    def check_upload(self, clip: Clip) -> None: ...  # may add a chunk to it
    def deletable(self, clips: list[Clip]) -> list[Clip]: ...
    def json(self, clip: Clip) -> dict[str, Any]: ...


async def clip_access(request: web.Request, grant: Grant) -> ClipAccess:
    if grant.room.mode == Mode.PEER:
        return PeerAccess(grant, await peer_interview(request.app, grant))
    return ScriptedAccess(scripted_only(grant))


async def peer_interview(app: web.Application, grant: Grant) -> Interview:
    """The live interview if the room runs, else its replayed log."""
    room = grant.room
    source = app.get(INTERVIEW_SOURCE)
    interview = (
        await source.interview_for(room)
        if source is not None
        else await load_interview(app[STORE], room)
    )
    if interview is None:
        raise NotFound("This room has no recordings: it has no question bank.")
    return interview


def _check_question(grant: Grant, question_id: str) -> None:
    bank = grant.room.bank
    if bank is None:  # any id would do, so any number of clips could be made (H4)
        raise UserError("This room has no question bank, so it records no answers.", code="no-bank")
    if question_id not in {q["id"] for q in bank.get("questions", [])}:
        raise UserError("This room's question bank has no such question.", code="unknown-question")


@dataclass(frozen=True)
class ScriptedAccess:
    grant: Grant

    def open_request(self, data: Any) -> ClipRequest:
        self._candidate()
        spec = parse_clip_request(data)
        _check_question(self.grant, spec.question_id)
        return spec

    def check_reader(self) -> None:
        if self.grant.role not in READ_ROLES:
            raise Forbidden("This link cannot use the recordings of this room.")

    def may_read(self, clip: Clip) -> bool:
        return self.grant.role in READ_ROLES

    def _candidate(self) -> None:
        if self.grant.role is not Role.CANDIDATE:
            raise Forbidden("This link cannot use the recordings of this room.")

    def check_owner(self, clip: Clip) -> None:
        self._candidate()

    def check_upload(self, clip: Clip) -> None:
        self._candidate()

    def deletable(self, clips: list[Clip]) -> list[Clip]:
        self._candidate()
        return clips

    def json(self, clip: Clip) -> dict[str, Any]:
        return clip_json(clip)


@dataclass(frozen=True)
class PeerAccess:
    grant: Grant
    interview: Interview

    @property
    def link(self) -> str:
        return self.grant.role.value

    def _seat(self) -> None:
        if self.grant.role not in PEER_SEATS:
            raise Forbidden("Observers do not see the recordings of a peer room.")

    def _record(self, question_id: str) -> AskedQuestion | None:
        return next((r for r in self.interview.state.asked if r.question_id == question_id), None)

    def owner(self, clip: Clip) -> str | None:
        """The link whose answer the clip holds: the candidate of the half that asked it."""
        record = self._record(clip.question_id)
        return None if record is None else other_seat(record.interviewer)

    def open_request(self, data: Any) -> ClipRequest:
        """`{question, take, mime, reset}`: `question` is the number the page shows (its id
        may not reach a candidate, phone realism); the server names the clip's question."""
        self._seat()
        if not isinstance(data, dict):
            raise UserError("The request body must be a JSON object.", code="invalid-clip")
        fields = dict(data)
        number = fields.pop("question", None)
        if isinstance(number, bool) or not isinstance(number, int):
            raise UserError("'question' must be the number of the question.", code="invalid-clip")
        s = self.interview.state
        self._check_consent()
        current = s.index + 1 if s.phase in RECORDING_PHASES else None
        if number != current or self.interview.acting_role(self.link) != "candidate":
            raise Conflict(
                "Answers are recorded only while you answer the current question.",
                code="not-answering",
            )
        record = s.asked[-1]
        spec = parse_clip_request({**fields, "question_id": record.question_id})
        if spec.take != record.repeats + 1:
            raise Conflict(f"This question is on take {record.repeats + 1}.", code="not-answering")
        return spec

    def _check_consent(self) -> None:
        if self.interview.state.recording.get(self.link) is not True:
            raise Forbidden(
                "Recording is off for your answers: accept the recording notice first.",
                code="recording-off",
            )

    def check_reader(self) -> None:
        self._seat()

    def may_read(self, clip: Clip) -> bool:
        record = self._record(clip.question_id)
        if record is None or self.grant.role not in PEER_SEATS:
            return False
        if other_seat(record.interviewer) == self.link:
            return True
        return record.interviewer == self.link and self.interview.state.phase == "done"

    def check_owner(self, clip: Clip) -> None:
        self._seat()
        if self.owner(clip) != self.link:
            raise NotFound("No such recording in this room (it may have been deleted).")

    def check_upload(self, clip: Clip) -> None:
        self.check_owner(clip)
        self._check_consent()  # a withdrawn consent stops the upload at once

    def deletable(self, clips: list[Clip]) -> list[Clip]:
        self._seat()
        return [clip for clip in clips if self.owner(clip) == self.link]

    def json(self, clip: Clip) -> dict[str, Any]:
        return {**clip_json(clip), **self.half_of(clip)}

    def half_of(self, clip: Clip) -> Mapping[str, Any]:
        """Where the clip sits in the session: its half, whose answer, the question's number."""
        for half in halves(self.interview.state):
            for number, record in half.questions:
                if record.question_id == clip.question_id:
                    return {"half": half.number, "candidate": half.candidate, "number": number}
        return {"half": None, "candidate": None, "number": None}
