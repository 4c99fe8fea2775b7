"""The panel listening to the DAW: the bridge's OSC address space, answered by the panel.

With ``secondear panel --listen`` (or DAW → Listen for the DAW) the panel runs
:class:`bridge.osc.server.BridgeServer` on 127.0.0.1 with :class:`PanelBridge` as its
handler, so the DAW-side scripts (``scripts/daw/``: Ardour's export action, the REAPER
ReaScript) and any OSC sender drive the panel itself:

* ``/secondear/analyze <track> <path> [role]`` — the file is measured on the server's worker
  thread (the same checks as ``daw serve``: an absolute path to a regular audio file under
  the size limit, never anything but audio) and shown as a new session named after the
  track; the reply is the summary and one ``/secondear/suggestion`` per card.
* ``/secondear/select <track>`` — shows that track's session.
* ``/secondear/intent <text>`` — the words go into the intent field and the suggestions are
  made again; the reply is the new summary and suggestions.
* ``/secondear/accept <id>`` / ``/secondear/reject <id>`` — the card is accepted or rejected
  as if clicked (undoable, and logged to the taste log).

Events arrive on the server's worker threads; everything that touches the window runs on
the GUI thread (a queued signal) while the worker waits for the answer, at most
:data:`GUI_TIMEOUT_S`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, pyqtSignal

from bridge.errors import BridgeError
from bridge.osc import codec
from bridge.osc.codec import Accept, Analyze, Intent, Reject, Reply, Select
from bridge.osc.server import MAX_AUDIO_BYTES, EventHandler, check_audio_path

if TYPE_CHECKING:
    from .window import PanelWindow

#: How long a worker waits for the GUI thread to carry out an event (seconds).
GUI_TIMEOUT_S = 20.0


class _Call:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class PanelBridge(QObject, EventHandler):
    """The OSC event handler that acts on a :class:`~.window.PanelWindow` (the dispatch and
    the error replies are :class:`bridge.osc.server.EventHandler`'s)."""

    _call = pyqtSignal(object)

    def __init__(self, window: PanelWindow, *, version: str, max_audio_bytes: int = MAX_AUDIO_BYTES) -> None:
        super().__init__(window)
        self.window = window
        self.version = version
        self.max_audio_bytes = max_audio_bytes
        self.tracks: dict[str, str] = {}  # track name -> the session's key (its path)
        self._call.connect(self._run)

    # -- the GUI thread ----------------------------------------------------------------

    def _run(self, call: _Call) -> None:
        try:
            call.result = call.fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the worker, answered as an error
            call.error = exc
        finally:
            call.done.set()

    def on_gui(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the GUI thread and return its result (raise its exception)."""
        call = _Call(fn)
        self._call.emit(call)
        if not call.done.wait(GUI_TIMEOUT_S):
            raise BridgeError(f"the panel did not answer within {GUI_TIMEOUT_S:g} s (a modal dialog open?)")
        if call.error is not None:
            raise call.error
        return call.result

    # -- the requests (server worker threads) -------------------------------------------

    def analyze(self, event: Analyze) -> tuple[Reply, ...]:
        from analyzers.context import make_context
        from bridge.session import Session

        role = event.role or "mix"
        make_context(role_name=role)  # an unknown role is reported before any reading
        path = check_audio_path(event.path, max_bytes=self.max_audio_bytes)
        session = Session.from_file(path)  # measured here, on the server's worker thread

        def show() -> tuple[Reply, ...]:
            w = self.window
            d = w.session.context.describe() if w.session is not None else {}
            target = d.get("target")
            session.set_context(role_name=role, genre_name=d.get("genre"),
                                target=None if target is None else target["name"])  # fmt: skip
            self.tracks[event.track] = session.source
            w.show_session(session, label=f"{event.track} — {_name(session.source)}")
            w.status(f"from the DAW: {event.track} ({_name(session.source)}), {len(session.cards)} suggestions")
            return _advice_replies(event.track, w.session)

        return self.on_gui(show)

    def select(self, event: Select) -> None:
        self.on_gui(lambda: self._select(event.track))

    def intent(self, event: Intent) -> tuple[Reply, ...]:
        return self.on_gui(lambda: self._intent(event.text))

    def decide(self, event: Accept | Reject) -> None:
        self.on_gui(lambda: self._decide(event))

    # -- on the GUI thread ------------------------------------------------------------------

    def _select(self, track: str) -> None:
        key = self.tracks.get(track)
        if key is None or key not in self.window.sessions:
            known = ", ".join(self.tracks) or "none yet"
            raise BridgeError(f"track {track!r} has not been analyzed here; send /secondear/analyze first "
                              f"(analyzed: {known})")  # fmt: skip
        self.window.show_session(self.window.sessions[key])

    def _intent(self, text: str) -> tuple[Reply, ...]:
        w = self.window
        if w.session is None:
            raise BridgeError("nothing to suggest for: send /secondear/analyze <track> <path> first")
        before = w.session.context.intent
        w.intent_edit.setText(text)
        w.apply_context()
        if w.session.context.intent != text.strip():
            w.intent_edit.setText(before)
            raise BridgeError(w.last_error or f"the words {text!r} cannot be used")
        track = next((t for t, k in self.tracks.items() if k == w.session.source), w.session.source)
        return _advice_replies(track, w.session)

    def _decide(self, event: Accept | Reject) -> None:
        w = self.window
        if w.session is None:
            raise BridgeError("nothing to decide: no session is shown")
        w.session.card(event.suggestion_id)  # an unknown id: SessionError naming the known ones
        (w.accept if isinstance(event, Accept) else w.reject)(event.suggestion_id)


def _advice_replies(track: str, session: Any) -> tuple[Reply, ...]:
    a = session.analysis
    out = [codec.summary(track, a.loudness.integrated_lufs, a.levels.true_peak_dbtp, len(session.cards))]
    for sid, c in session.cards.items():
        out.append(codec.suggestion(track, sid, c.suggestion.move.kind, c.suggestion.why))
    return tuple(out)


def _name(path: str) -> str:
    from pathlib import Path

    return Path(path).name


def start_listening(window: PanelWindow, *, host: str = "127.0.0.1", port: int = 9000) -> Any:
    """Start the OSC server answered by the panel; returns the running :class:`BridgeServer`.

    Raises :class:`bridge.errors.BridgeError` when the port is taken (the message says which)."""
    from bridge.osc.server import BridgeServer

    from .. import __version__

    server = BridgeServer(PanelBridge(window, version=__version__), host=host, port=port)
    try:
        server.start()
    except BridgeError as exc:
        raise BridgeError(f"{exc} (is 'secondear daw serve' or another panel on it? choose another port)") from None
    return server
