"""The bridge's OSC address space answered: one decoded event in, its replies out.

This is the application side of the OSC server (python-osc's "dispatcher"), with no
sockets and no threads: the transport (:mod:`bridge.osc.server`) calls a handler with each
event from :mod:`bridge.osc.codec` and sends back what it returns.

* :class:`EventHandler` maps each request to a method and turns problems the engineer can
  fix into ``/secondear/error``; the panel's handler (``ui/panel/listener.py``) is one.
* :class:`BridgeSession` is ``secondear daw serve``'s: each ``/secondear/analyze`` measures
  the file in a child process with a deadline (:func:`bridge.isolated.call_with_deadline`:
  a decoder that hangs or a file hours long costs at most the deadline, and shutdown kills
  it at once), advises as :func:`bridge.advise.advise_file` does (the same advice as
  ``secondear suggest``) and keeps a :class:`bridge.session.Session` per DAW track in a
  :class:`bridge.session.SessionRegistry`; accept and reject are that session's decisions.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from analyzers import Analysis
from analyzers.suggest import Decision
from analyzers.suggest.turns import Reply as TurnReply
from analyzers.suggest.turns import Turn

from ..advise import ContextRequest, FileAdvice, advise
from ..app import VERSION
from ..audio_io import open_regular
from ..errors import AudioReadError, BridgeError
from ..isolated import call_with_deadline
from ..measure import analyze_file
from ..session import Session, SessionRegistry
from . import codec
from .codec import Accept, Analyze, BadMessage, Event, Intent, Ping, Reject, Reply, Select, address_of

log = logging.getLogger(__name__)

#: Audio files larger than this are refused before they are opened (bytes): 2 GiB.
MAX_AUDIO_BYTES = 2 * 1024**3
#: Seconds an analysis may take before it is stopped and answered with an error (a 2-hour
#: stereo file takes about 5 minutes on a busy two-core machine).
ANALYZE_TIMEOUT_S = 600.0
#: Decisions kept (the oldest are forgotten first).
MAX_DECISIONS = 10_000
#: Tracks kept in memory (the least recently analyzed are forgotten first).
MAX_TRACKS = 256

Handler = Callable[[Event], Iterable[Reply]]


class EventHandler:
    """The address space's dispatch: one method per request, problems as ``/secondear/error``.

    Subclasses answer ``analyze``, ``select``, ``intent`` and ``decide`` (accept and reject);
    :class:`BridgeSession` keeps the tracks itself, the panel's handler
    (``ui/panel/listener.py``) acts on the panel. ``version`` is sent in ``/secondear/pong``.
    """

    version: str = VERSION

    def __call__(self, event: Event) -> Iterable[Reply]:
        """The replies to ``event``; problems the engineer can fix become ``/secondear/error``."""
        address = address_of(event)
        try:
            if isinstance(event, Ping):
                return (codec.pong(self.version),)
            if isinstance(event, Analyze):
                return self.analyze(event)
            if isinstance(event, Select):
                self.select(event)
                return (codec.ok(event.track),)
            if isinstance(event, Intent):
                return self.intent(event)
            if isinstance(event, (Accept, Reject)):
                self.decide(event)
                return (codec.ok(event.suggestion_id),)
            if isinstance(event, BadMessage):
                return (codec.error(event.address, event.message),)
        except (BridgeError, ValueError) as exc:  # AudioReadError, ParameterError, UnknownNameError
            return (codec.error(address, str(exc)),)
        return (codec.error(address, f"{type(event).__name__} is not handled here"),)

    def analyze(self, event: Analyze) -> Iterable[Reply]:
        raise NotImplementedError

    def select(self, event: Select) -> None:
        raise NotImplementedError

    def intent(self, event: Intent) -> Iterable[Reply]:
        raise NotImplementedError

    def decide(self, event: Accept | Reject) -> None:
        raise NotImplementedError


class BridgeSession(EventHandler):
    """Turns events into replies, one :class:`~bridge.session.Session` per DAW track.
    Thread-safe: the server calls it from two workers.

    Parameters
    ----------
    version : str
        Sent in ``/secondear/pong``.
    max_audio_bytes : int
        Files larger than this are not opened.
    measure : callable, optional
        ``measure(path) -> Analysis`` instead of reading the file, called in the worker
        thread (tests inject a fake); by default :func:`bridge.measure.analyze_file` reads
        and measures it in blocks, in a child process (:func:`bridge.isolated.call_with_deadline`).
    analyze_timeout_s : float
        The deadline of that child process: an analysis that takes longer is stopped and
        answered with ``/secondear/error`` (the worker is free again at once).
    taste : mapping, optional
        The engineer's taste summary (:func:`presets.taste.summarize`'s form), passed to
        :func:`bridge.advise.advise`.
    folders : sequence of str, optional
        Read audio only under these folders (links resolved). A path anywhere else gets the
        same answer whether it exists, is audio or not, so that a sender cannot map the
        file system; without folders every absolute path may be read (loopback use).
    on_decision : callable, optional
        Called with each :class:`analyzers.suggest.records.Decision` (``secondear daw serve`` appends
        them to the taste log, as the panel does); an exception from it is logged, and the
        decision still stands.
    """

    def __init__(self, *, version: str | None = None, max_audio_bytes: int = MAX_AUDIO_BYTES,
                 measure: Callable[[str], Analysis] | None = None, taste: Mapping[str, Any] | None = None,
                 on_decision: Callable[[Decision], object] | None = None,
                 folders: Sequence[str] = (), analyze_timeout_s: float = ANALYZE_TIMEOUT_S) -> None:  # fmt: skip
        self.version = version or VERSION
        self.analyze_timeout_s = float(analyze_timeout_s)
        #: Set by the server when it closes: an analysis under way is stopped at once.
        self.stopping = threading.Event()
        self.folders = tuple(os.path.realpath(f) for f in folders)
        self.max_audio_bytes = int(max_audio_bytes)
        self._measure = measure
        self._taste = taste
        self._on_decision = on_decision
        #: The sessions, keyed by the DAW's track name (or number, as text).
        self.sessions = SessionRegistry(max_sessions=MAX_TRACKS)
        self._lock = threading.Lock()
        self._selected: str | None = None  # the DAW's selection: may name a track not analyzed
        self._decisions: deque[tuple[str, Decision]] = deque(maxlen=MAX_DECISIONS)

    # -- reading state
    @property
    def selected(self) -> str | None:
        """The track the DAW selected last (or analyzed last), analyzed or not."""
        with self._lock:
            return self._selected

    def decisions(self) -> tuple[tuple[str, Decision], ...]:
        """``(track, analyzers.suggest.records.Decision)`` pairs, oldest first (the last 10 000)."""
        with self._lock:
            return tuple(self._decisions)

    # -- the requests
    def select(self, event: Select) -> None:
        with self._lock:
            self._selected = event.track
        self.sessions.select(event.track)

    def analyze(self, event: Analyze) -> tuple[Reply, ...]:
        context = ContextRequest(role=event.role or "mix").check()  # an unknown role is reported before any reading
        path = check_audio_path(event.path, max_bytes=self.max_audio_bytes, folders=self.folders)
        if self._measure is None:
            info, analysis = call_with_deadline(analyze_file, path, timeout_s=self.analyze_timeout_s,
                                                what=f"analysing {path}", cancel=self.stopping)  # fmt: skip
            found = FileAdvice(path=path, info=info, analysis=analysis, context=context,
                               advice=advise(analysis, context, taste=self._taste))  # fmt: skip
            session = Session.from_advice(found, taste=self._taste)
        else:
            analysis = self._measure(path)
            session = Session(None, analysis.sample_rate_hz, path, context=context, analysis=analysis,
                              taste=self._taste)  # fmt: skip
            session.suggest()
        self.sessions.put(event.track, session)
        with self._lock:
            self._selected = event.track
        return session_replies(event.track, session)

    def _selected_session(self) -> tuple[str | None, Session | None]:
        with self._lock:
            name = self._selected
        return name, (None if name is None else self.sessions.get(name))

    def intent(self, event: Intent) -> tuple[Reply, ...]:
        name, session = self._selected_session()
        if session is None:
            raise BridgeError(
                "no analyzed track is selected: send /secondear/analyze <track> <path> first"
                if name is None else f"track {name!r} is selected but not analyzed: send /secondear/analyze first"
            )  # fmt: skip
        said = session.say(event.text)  # an unknown word: ParameterError, nothing changes
        return session_replies(name, session) + turn_notes(name, said)

    def decide(self, event: Accept | Reject) -> None:
        verdict = "accepted" if isinstance(event, Accept) else "rejected"
        name, session = self._selected_session()
        if session is None:
            raise BridgeError(f"nothing to {verdict[:-2]}: no analyzed track is selected")
        if event.suggestion_id not in session.cards:
            raise BridgeError(f"track {name!r} has no suggestion {event.suggestion_id!r}; "
                              f"its suggestions: {', '.join(session.cards) or 'none'}")  # fmt: skip
        decide = session.accept if isinstance(event, Accept) else session.reject
        decision = decide(event.suggestion_id)
        if decision is None:  # a preset's move: not the engine's, nothing to learn from
            return
        with self._lock:
            self._decisions.append((name, decision))
        if self._on_decision is not None:
            try:
                self._on_decision(decision)
            except Exception as exc:  # noqa: BLE001 - the taste log failing must not lose the verdict
                log.warning("decision on %s not kept: %s", event.suggestion_id, exc)


def session_replies(track: str, session: Session) -> tuple[Reply, ...]:
    """The summary and one ``/secondear/suggestion`` per card of ``session``."""
    a = session.analysis
    out = [codec.summary(track, a.loudness.integrated_lufs, a.levels.true_peak_dbtp, len(session.cards))]
    for sid, c in session.cards.items():
        out.append(codec.suggestion(track, sid, c.suggestion.move.kind, c.suggestion.why))
    return tuple(out)


def turn_notes(track: str, said: tuple[Turn, TurnReply] | None) -> tuple[Reply, ...]:
    """One ``/secondear/note`` per thing a conversation turn said (already there, undone…)."""
    if said is None:
        return ()
    turn, reply = said
    head = f"'{turn.words}' ({turn.kind}): " + (", ".join(p.id for p in reply.proposals) or "no new card")
    return tuple(codec.note(track, n) for n in (head, *reply.already, *reply.notes))


def check_audio_path(path: str, *, max_bytes: int = MAX_AUDIO_BYTES, folders: Sequence[str] = ()) -> str:
    """``path`` made absolute, once it is known to be a regular file of at most ``max_bytes``.

    A path received over OSC is only ever opened as audio by the decoder: never executed,
    never loaded as a library, never followed into a folder or a device. It is opened once,
    without blocking, and what was opened is checked (``fstat`` of the descriptor): a FIFO
    put in its place cannot stall the bridge; the reader then checks that it reads the same
    file (:func:`bridge.audio_io.probe`). With ``folders``, a path outside them is refused
    with one message, the same whether it exists or not.

    Raises
    ------
    AudioReadError
        Relative, outside ``folders``, missing, not a regular file (a folder, a FIFO, a
        device), or too large.
    """
    if "\x00" in path:
        raise AudioReadError("the path holds a NUL character")
    if not os.path.isabs(path):
        raise AudioReadError(f"{path}: give an absolute path (the bridge has no meaningful working folder)")
    real = os.path.realpath(path)
    if folders and not any(os.path.commonpath([real, f]) == f for f in folders):
        raise AudioReadError(f"{path}: not readable here (the bridge reads audio only under {', '.join(folders)})")
    with open_regular(real) as fh:
        size = os.fstat(fh.fileno()).st_size
    if size > max_bytes:
        raise AudioReadError(f"{path}: {size} bytes is over the {max_bytes}-byte limit for audio sent over OSC")
    return real
