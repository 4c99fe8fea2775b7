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
* ``/secondear/intent <text>`` — the shown session is suggested again with these words (the
  intent field shows them); the reply is the new summary and suggestions. Once a move is
  accepted the words are the conversation's next turn instead ("a bit more", "undo that"),
  one undo step, and ``/secondear/note`` replies say what the turn said.
* ``/secondear/accept <id>`` / ``/secondear/reject <id>`` — the card is accepted or rejected
  as if clicked (undoable, and logged to the taste log).

The listener talks to the panel's :class:`~.controller.PanelController`, never to the window.
Events arrive on the server's worker threads; measuring runs there, and everything that
changes the controller runs on the GUI thread (a queued signal) while the worker waits for
the answer, at most :data:`GUI_TIMEOUT_S`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from bridge.advise import ContextRequest
from bridge.errors import BridgeError
from bridge.osc.codec import DEFAULT_PORT, Accept, Analyze, Intent, Reject, Reply, Select
from bridge.osc.dispatch import MAX_AUDIO_BYTES, EventHandler, check_audio_path, session_replies, turn_notes
from bridge.osc.server import BridgeServer

from .. import __version__
from .controller import PanelController

#: How long a worker waits for the GUI thread to carry out an event (seconds).
GUI_TIMEOUT_S = 20.0


class _Call:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class PanelBridge(QObject, EventHandler):
    """The OSC event handler that acts on a :class:`~.controller.PanelController` (the
    dispatch and the error replies are :class:`bridge.osc.dispatch.EventHandler`'s)."""

    _call = pyqtSignal(object)

    def __init__(self, controller: PanelController, *, version: str, max_audio_bytes: int = MAX_AUDIO_BYTES,
                 parent: QObject | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.controller = controller
        self.version = version
        self.max_audio_bytes = max_audio_bytes
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
        ContextRequest(role=event.role or "mix").check()  # an unknown role is reported before any reading
        path = check_audio_path(event.path, max_bytes=self.max_audio_bytes)
        session = self.controller.measure_for_track(path, role=event.role)  # measured here, on the worker

        def show() -> tuple[Reply, ...]:
            self.controller.show_track(event.track, session)
            return session_replies(event.track, session)

        return self.on_gui(show)

    def select(self, event: Select) -> None:
        self.on_gui(lambda: self.controller.select_track(event.track))

    def intent(self, event: Intent) -> tuple[Reply, ...]:
        def act() -> tuple[Reply, ...]:
            s = self.controller.set_intent(event.text)
            track = self.controller.track_of(s)
            return session_replies(track, s) + turn_notes(track, self.controller.last_said)

        return self.on_gui(act)

    def decide(self, event: Accept | Reject) -> None:
        def act() -> None:
            s = self.controller.session
            if s is None:
                raise BridgeError("nothing to decide: no session is shown")
            s.card(event.suggestion_id)  # an unknown id: SessionError naming the known ones
            (self.controller.accept if isinstance(event, Accept) else self.controller.reject)(event.suggestion_id)

        self.on_gui(act)


def start_listening(controller: PanelController, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                    parent: QObject | None = None) -> BridgeServer:  # fmt: skip
    """Start the OSC server answered by the panel; returns the running :class:`BridgeServer`.

    Raises :class:`bridge.errors.BridgeError` when the port is taken (the message says which)."""
    server = BridgeServer(PanelBridge(controller, version=__version__, parent=parent), host=host, port=port)
    try:
        server.start()
    except BridgeError as exc:
        raise BridgeError(f"{exc} (is 'secondear daw serve' or another panel on it? choose another port)") from None
    return server
