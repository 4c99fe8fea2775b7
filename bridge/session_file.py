"""A session kept in a file between commands: ``secondear suggest/apply --session S.json``.

The file holds what a :class:`~bridge.session.Session` needs to continue a conversation:
the audio's path, the context as the engineer named it, every card (suggestion, status,
tweaked move), which proposals replace which moves, and the turns. The measurement is not
kept: the audio is measured again when the session is opened. Written atomically
(:func:`bridge.files.atomic_write_text`); ``format`` and ``version`` say what it is, and a
file that is not one, or from a newer Second Ear, is refused with one line saying so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from analyzers.errors import ParameterError
from analyzers.moves import Move
from analyzers.suggest import Decision, Suggestion
from analyzers.suggest.turns import Turn

from .advise import ContextRequest, resolve_context
from .errors import BridgeError
from .files import atomic_write_text
from .measure import analyze_file
from .session import STATUSES, Card, Session

FORMAT = "secondear-session"
#: The version of the file's form this code reads and writes.
VERSION = 1


class SessionFileError(BridgeError):
    """The session file cannot be read (not one, damaged, newer) or written."""


def session_to_dict(session: Session) -> dict[str, Any]:
    """The JSON-ready form of ``session`` (see the module's docstring)."""
    request = ContextRequest.of(session.context)
    return {
        "format": FORMAT, "version": VERSION, "source": os.path.abspath(session.source),
        "sample_rate_hz": session.sample_rate_hz,
        "context": {"role": request.role, "genre": request.genre, "target": request.target,
                    "intent": request.intent, "reference": request.reference_path},
        "cards": [{"suggestion": c.suggestion.to_dict(), "status": c.status,
                   "move": None if c.move is None else c.move.to_dict()} for c in session.cards.values()],
        "replacing": dict(session.replacing),
        "turns": [t.to_dict() for t in session.turns],
    }  # fmt: skip


def save_session(session: Session, path: str | os.PathLike[str]) -> Path:
    """Write ``session`` to ``path`` atomically. Raises :class:`SessionFileError`."""
    text = json.dumps(session_to_dict(session), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        return atomic_write_text(path, text)
    except OSError as exc:
        raise SessionFileError(f"cannot write the session file {path}: {exc.strerror or exc}") from exc


def read_session_dict(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file's content, checked for its format and version. Raises :class:`SessionFileError`."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SessionFileError(f"cannot read the session file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError:
        raise SessionFileError(f"{path} is not a session file (not UTF-8 text)") from None
    try:
        d = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise SessionFileError(f"{path} is not a session file (not JSON: {exc})") from None
    if not isinstance(d, Mapping) or d.get("format") != FORMAT:
        raise SessionFileError(f"{path} is not a session file (no \"format\": \"{FORMAT}\")")
    v = d.get("version")
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise SessionFileError(f"{path}: version {v!r} is not a session file version")
    if v > VERSION:
        raise SessionFileError(f"{path} was written by a newer Second Ear (version {v}; this one reads 1…{VERSION})")
    return dict(d)


def load_session(path: str | os.PathLike[str], *, taste: Mapping[str, Any] | None = None,
                 on_decision: Callable[[Decision], object] | None = None) -> Session:  # fmt: skip
    """Open the session kept in ``path``: measure its audio again, restore its context,
    cards and turns.

    Raises
    ------
    SessionFileError
        The file is not a usable session file (the message says what is wrong).
    bridge.errors.AudioReadError
        Its audio cannot be read (moved, deleted).
    analyzers.errors.ParameterError
        A name in its context is unknown.
    """
    d = read_session_dict(path)
    try:
        c = d["context"]
        request = ContextRequest(role=str(c.get("role") or "mix"), genre=c.get("genre"), target=c.get("target"),
                                 intent=str(c.get("intent") or ""), reference_path=c.get("reference"))  # fmt: skip
        cards = {}
        for item in d.get("cards", []):
            s = Suggestion.from_dict(item["suggestion"])
            status = item.get("status", "pending")
            if status not in STATUSES:
                raise ParameterError(f"status {status!r} is not one of {', '.join(STATUSES)}")
            move = None if item.get("move") is None else Move.from_dict(item["move"])
            cards[s.id] = Card(s, status, move)
        turns = [Turn.from_dict(t) for t in d.get("turns", [])]
        replacing = {str(k): str(v) for k, v in dict(d.get("replacing", {})).items()}
        source = str(d["source"])
    except (KeyError, TypeError, ValueError, AttributeError, ParameterError) as exc:
        raise SessionFileError(f"{path} is damaged: {exc}") from None
    context = resolve_context(request)
    info, analysis = analyze_file(source)
    session = Session(None, float(info.sample_rate_hz), source, analysis=analysis, context=context, taste=taste,
                      on_decision=on_decision, turns=turns, replacing=replacing)  # fmt: skip
    session.suggest()
    session.cards = cards
    return session
