"""The panel listening to the DAW: the bridge's OSC address space, answered by the panel.

With ``secondear panel --listen`` (or DAW → Listen for the DAW) the panel runs
:class:`bridge.osc.server.BridgeServer` on 127.0.0.1 with :class:`PanelBridge` as its
handler, so the DAW-side scripts (``scripts/daw/``: Ardour's export action, the REAPER
ReaScript) and any OSC sender drive the panel itself:

* ``/secondear/analyze <track> <path> [role]`` — the file is checked on the server's worker
  thread (the same checks as ``daw serve``: an absolute path to a regular audio file under
  the size limit, never anything but audio), measured in one of the panel's worker
  processes like a file opened from the menu, and shown as a new session named after the
  track; the reply is the summary and one ``/secondear/suggestion`` per card.
* ``/secondear/select <track>`` — shows that track's session.
* ``/secondear/intent <text>`` — the shown session is suggested again with these words (the
  intent field shows them); the reply is the new summary and suggestions. Once a move is
  accepted the words are the conversation's next turn instead ("a bit more", "undo that"),
  worked out in a worker process (it renders and measures the accepted moves), one undo
  step, and ``/secondear/note`` replies say what the turn said.
* ``/secondear/accept <id>`` / ``/secondear/reject <id>`` — the card is accepted or rejected
  as if clicked (undoable, and logged to the taste log).

The listener talks to the panel's :class:`~.controller.PanelController`, never to the window.
Events arrive on the server's worker threads, which only check and wait: everything that
changes the controller runs on the GUI thread (a queued signal) while the server's thread
waits for the answer, at most :data:`GUI_TIMEOUT_S`, and measuring or a turn runs as a
:class:`~.tasks.Task` in the panel's worker processes (numpy holds Python's GIL for hundreds
of milliseconds at a time: on a thread of the panel's process it stalls the window), waited
for at most :data:`WORK_TIMEOUT_S`.
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

#: How long a server thread waits for the GUI thread to carry out an event (seconds).
GUI_TIMEOUT_S = 20.0
#: How long a server thread waits for the work an event started (measuring a long bounce).
WORK_TIMEOUT_S = 600.0


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

    def on_gui_until_done(self, start: Callable[[Callable[[Any], None], Callable[[BaseException], None]], None],
                          what: str) -> Any:  # fmt: skip
        """Run ``start(ok, failed)`` on the GUI thread — it starts work (a task in a worker
        process) that calls ``ok(result)`` or ``failed(exc)`` on the GUI thread when done —
        and wait for that: return the result (raise the exception)."""
        finished = _Call(lambda: None)

        def ok(result: Any) -> None:
            finished.result = result
            finished.done.set()

        def failed(exc: BaseException) -> None:
            finished.error = exc
            finished.done.set()

        self.on_gui(lambda: start(ok, failed))
        if not finished.done.wait(WORK_TIMEOUT_S):
            raise BridgeError(f"{what} did not finish within {WORK_TIMEOUT_S:g} s")
        if finished.error is not None:
            raise finished.error
        return finished.result

    # -- the requests (server worker threads) -------------------------------------------

    def analyze(self, event: Analyze) -> tuple[Reply, ...]:
        ContextRequest(role=event.role or "mix").check()  # an unknown role is reported before any reading
        path = check_audio_path(event.path, max_bytes=self.max_audio_bytes)

        def start(ok: Callable[[Any], None], failed: Callable[[BaseException], None]) -> None:
            self.controller.open_track(event.track, path, role=event.role, on_error=failed,
                                       on_done=lambda s: ok(session_replies(event.track, s)))  # fmt: skip

        return self.on_gui_until_done(start, f"measuring {event.path}")

    def select(self, event: Select) -> None:
        self.on_gui(lambda: self.controller.select_track(event.track))

    def intent(self, event: Intent) -> tuple[Reply, ...]:
        def replies(s: Any) -> tuple[Reply, ...]:  # on the GUI thread, once the words are taken
            track = self.controller.track_of(s)
            return session_replies(track, s) + turn_notes(track, self.controller.last_said)

        def start(ok: Callable[[Any], None], failed: Callable[[BaseException], None]) -> None:
            self.controller.set_intent(event.text, on_done=lambda s: ok(replies(s)), on_error=failed)

        return self.on_gui_until_done(start, f"the words {event.text!r}")

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
