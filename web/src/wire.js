// The signaling wire as types (docs/protocol.md): every server → client message, the state
// objects they carry, and the client → server messages. Types only — nothing runs here; tsc
// checks every reader of a field against these, so a renamed server field fails `make lint`.
// Sources: server/mockroom/protocol.py (frames), interview_views.py and interview_service.py
// (the interview view), scripted/session.py and scripted/flow.py (the scripted state).

/**
 * @typedef {"interviewer"|"candidate"|"observer"} LiveRole a role that joins live
 * @typedef {LiveRole|"reviewer"} LinkRole a link's role (reviewers only read)
 * @typedef {"peer"|"scripted"} RoomMode
 * @typedef {"video"|"audio"} RoomMedia
 */

/**
 * Someone in the room (`welcome.participants`, `joined`, `updated`).
 * @typedef {object} Participant
 * @property {string} id
 * @property {string} role the link role
 * @property {string} name
 * @property {boolean} audio on = true
 * @property {boolean} video
 * @property {boolean} screen
 */

/**
 * A countdown in server wall-clock ms (interview and scripted timers serialise alike).
 * @typedef {object} WireTimer
 * @property {string} phase
 * @property {number} started_at
 * @property {number|null} deadline
 * @property {number} duration_ms
 * @property {boolean} paused
 * @property {number|null} remaining_ms
 * @property {boolean} [held] interview only: paused by the room while the candidate is away
 */

// server → client frames --------------------------------------------------------------------

/**
 * @typedef {object} Welcome
 * @property {"welcome"} type
 * @property {number} version
 * @property {string} participant_id
 * @property {string} role
 * @property {string} name
 * @property {{id: string, title: string, mode: RoomMode, media: RoomMedia}} room
 * @property {RTCIceServer[]} ice_servers
 * @property {Participant[]} participants everybody else already in the room
 * @property {number} server_time
 * @property {number} heartbeat_ms
 */

/** @typedef {{type: "joined", participant: Participant, rejoin: boolean}} Joined */
/** @typedef {{type: "left", participant_id: string, reason: "left"|"lost"}} Left */
/** @typedef {{type: "updated", participant: Participant}} Updated */

/**
 * What a `signal` carries: exactly one of a description or a candidate (null: end of them).
 * @typedef {{description?: RTCSessionDescriptionInit, candidate?: RTCIceCandidateInit|null}} SignalData
 */

/** @typedef {{type: "signal", from: string, from_role: string, data: SignalData}} Signal */
/** @typedef {{type: "pong", t: number, server_time: number}} Pong */

/**
 * @typedef {object} ErrorFrame
 * @property {"error"} type
 * @property {string} code stable, from the table in docs/protocol.md
 * @property {string} message written for people
 * @property {boolean} [fatal] a close follows
 * @property {string} [id] the `id` of the client message it answers (absent on older servers
 *   and for errors that answer no message)
 */

/** @typedef {{type: "replaced", message: string}} Replaced */

/**
 * @typedef {{number: number, interviewer: string, candidate: string, questions: number[]}} Half
 * @typedef {{id: string, text: string}} QuestionBrief
 * @typedef {{id: string, text: string}} ChecklistItem
 */

/**
 * The current question: the acting interviewer gets it whole, the others `{id, text, kind}`.
 * @typedef {object} InterviewQuestion
 * @property {string} id
 * @property {string} text
 * @property {string} kind
 * @property {number} [think_seconds]
 * @property {number} [answer_seconds]
 * @property {string[]} [hints]
 * @property {string[]} [follow_ups]
 * @property {string[]} [rubric]
 * @property {string[]} [tags]
 */

/**
 * A question of a half, as a feedback form lists it (`rubric` only on a rating form).
 * @typedef {{number: number, id: string, text: string, kind: string, rubric?: string[],
 *   [field: string]: unknown}} AskedLine
 */

/**
 * One feedback form this link fills (docs/protocol.md, "forms").
 * @typedef {object} FormSpec
 * @property {number} half
 * @property {"rating"|"self"} form
 * @property {string} interviewer link role
 * @property {string} candidate link role
 * @property {AskedLine[]} questions
 * @property {({at?: number} & Record<string, any>)|null} submitted what was sent, if anything
 */

/**
 * @typedef {{name: string, present: boolean, reconnecting: boolean, away: boolean}} SeatPeople
 */

/**
 * The interview as one participant may see it (`interview-state.state`).
 * @typedef {object} InterviewView
 * @property {string} link_role
 * @property {string} role the acting role (flips with a swap)
 * @property {string} phase
 * @property {WireTimer|null} timer
 * @property {{number: number|null, total: number}} position
 * @property {number|null} take the current question's take (1 + its repeats)
 * @property {Record<string, boolean|null>} recording per seat link role: its answer to the
 *   recording notice (null: not asked yet)
 * @property {{swapped: boolean, requested_by: string|null, allowed: boolean,
 *   reason: string|null, suggested: boolean}} swap
 * @property {Half|null} half
 * @property {Half[]} halves
 * @property {{id: string, title: string, code_pad: boolean}} bank
 * @property {boolean} phone_realism
 * @property {string[]} actions what this person may send now
 * @property {string[]} away
 * @property {Record<string, SeatPeople>} [people]
 * @property {{interviewer: boolean, candidate: boolean}} feedback_submitted
 * @property {{half: number, link_role: string, form: string}[]} feedback_pending
 * @property {FormSpec[]} [forms]
 * @property {InterviewQuestion|null} question
 * @property {string|null} [prompt] phone realism: "Listen to your interviewer"
 * @property {QuestionBrief[]} [upcoming] acting interviewer only
 * @property {QuestionBrief[]} [available] acting interviewer only
 * @property {AskedLine[]} [asked] acting interviewer only
 * @property {ChecklistItem[]} [checklist]
 */

/** `state` is null in rooms without a bank. */
/** @typedef {{type: "interview-state", state: InterviewView|null, server_time: number}} InterviewState */

/** @typedef {{type: "scripted-answer", sdp: string}} ScriptedAnswer */

/**
 * The scripted interviewer's state (`scripted-state.state`, GET /api/rooms/{id}/scripted).
 * @typedef {object} ScriptedState
 * @property {"waiting"|"intro"|"think"|"answer"|"after_answer"|"wrap_up"|"done"} phase
 * @property {boolean} consented
 * @property {{id: string, text: string, index: number, count: number, practice: boolean, follow_up?: boolean}|null} question
 * @property {WireTimer|null} timer
 * @property {number} take
 * @property {number} retakes_left
 * @property {boolean} recording
 * @property {boolean} practice
 * @property {boolean} [follow_up] asking the question's follow-up after a short answer
 * @property {{question_id: string, take: number, answered: boolean, interrupted: boolean}|null} resume
 * @property {boolean} tts
 * @property {RoomMedia} media
 * @property {string} peer
 * @property {string} said
 */

/** @typedef {{type: "scripted-state", state: ScriptedState}} ScriptedStateFrame */

/**
 * Live captions of the candidate's own answer (docs/protocol.md, "Live captions"); sent only to
 * a socket that asked with `captions`. A `v` this page does not know is ignored.
 * @typedef {object} Caption
 * @property {"caption"} type
 * @property {number} v the frame's schema version (1)
 * @property {"off"|"waiting"|"live"|"unavailable"} state
 * @property {number} [line] from 1 in each answer window, with `text` and `final`
 * @property {string} [text] the line's words so far (a partial) or all of them (final)
 * @property {boolean} [final] the line is complete
 * @property {boolean} [complete] every line of the answer that just ended has been sent
 * @property {string} [message] with `unavailable`: why, for people
 */

/**
 * Every server message by its `type`: `RoomClient.on(type, fn)` hands `fn` the matching one.
 * @typedef {object} ServerMessages
 * @property {Welcome} welcome
 * @property {Joined} joined
 * @property {Left} left
 * @property {Updated} updated
 * @property {Signal} signal
 * @property {Pong} pong
 * @property {ErrorFrame} error
 * @property {Replaced} replaced
 * @property {InterviewState} interview-state
 * @property {ScriptedAnswer} scripted-answer
 * @property {ScriptedStateFrame} scripted-state
 * @property {Caption} caption
 */

/** @typedef {ServerMessages[keyof ServerMessages]} ServerMessage */

// client → server frames --------------------------------------------------------------------

/**
 * @typedef {{type: "hello", version: number, token: string, name?: string,
 *   participant_id?: string, takeover?: boolean, media: {audio: boolean, video: boolean}}} Hello
 * @typedef {{type: "signal", to: string, data: SignalData}} SignalOut
 * @typedef {{type: "state", audio?: boolean, video?: boolean, screen?: boolean, name?: string,
 *   id?: string}} StateOut
 * @typedef {{type: "ping", t: number}} Ping
 * @typedef {{type: "bye"}} Bye
 * @typedef {{type: "interview", action: string, question_id?: string,
 *   data?: Record<string, unknown>, id?: string}} InterviewOut
 * @typedef {{type: "scripted", action: string, sdp?: string,
 *   candidate?: RTCIceCandidateInit|null, id?: string}} ScriptedOut
 * @typedef {{type: "captions", on: boolean, id?: string}} CaptionsOut
 * @typedef {SignalOut|StateOut|Ping|Bye|InterviewOut|ScriptedOut|CaptionsOut} ClientMessage
 */

/**
 * The room as a link sees it (GET /api/rooms/{id}).
 * @typedef {object} RoomInfo
 * @property {string} room_id
 * @property {string} role
 * @property {RoomMode} mode
 * @property {RoomMedia} media
 * @property {string} title
 * @property {number} created_at
 * @property {{id: string, title: string}|null} bank
 * @property {Record<string, unknown>} options
 * @property {Record<string, string>} notes the notes documents this role opens: name → path
 * @property {RTCIceServer[]} ice_servers
 * @property {Participant[]} participants
 * @property {string} signaling the socket's path
 */

export {};
