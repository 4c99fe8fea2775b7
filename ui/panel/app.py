"""The panel's composition root: the Qt application, the taste log, the controller and the
window, wired together (no singletons: each part gets what it needs)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from PyQt6.QtCore import qInstallMessageHandler
from PyQt6.QtWidgets import QApplication

from analyzers.context import Context
from analyzers.suggest import Decision
from bridge.errors import BridgeError
from bridge.session import Session
from presets import PresetError, TasteLog

from .controller import PanelController
from .processes import WorkerPool
from .style import STYLE_SHEET
from .window import PanelWindow


def run_panel(session: Session | None, *, source: str | None = None, context: Context | None = None,
              taste: Mapping[str, Any] | None = None, watch: str | None = None, listen_port: int | None = None,
              screenshot: str | None = None, size: tuple[int, int] | None = None) -> int:  # fmt: skip
    """Open the panel on ``session`` and run the event loop; the exit status.

    Without a session the window is drawn first, saying it is measuring, and ``source`` (a
    file; None: the demo) is measured in ``context`` in a worker process meanwhile: its
    meters and cards fill in when it is (the window opened after 11 s on the demo when it
    was measured first). ``screenshot``: draw the window (``size`` pixels) off screen into
    that PNG and return (with accepted moves, after rendering their A/B, so that B is drawn
    beside A).
    """
    processes = WorkerPool()
    processes.warm()  # the fork server imports the tasks' modules while Qt starts
    try:
        qInstallMessageHandler(_quiet_offscreen)
        app = QApplication.instance() or QApplication([sys.argv[0]])
        app.setApplicationName("Second Ear")
        app.setStyleSheet(STYLE_SHEET)
        log = TasteLog()
        controller = PanelController(taste=taste)
        window = PanelWindow(controller=controller, processes=processes)

        def keep(decision: Decision) -> None:
            try:
                log.append(decision)
            except PresetError as exc:  # a full disk: the decision stands, the status bar says why it is not kept
                window.status(f"decision not kept in the taste log: {exc}")

        controller.on_decision = keep
        if session is not None:
            controller.show(session)
        if watch:
            controller.watch(watch)
        if listen_port is not None:
            try:
                window.listen(listen_port)
            except BridgeError as exc:
                print(f"secondear: {exc}", file=sys.stderr)
                return 1
        if screenshot:
            if size is not None:
                window.resize(*size)
            window.show()
            if session is None:
                _open(controller, source, context)
                window.jobs.wait(600000)
                app.processEvents()
                session = controller.session
            if session is not None and session.chosen():  # the picture shows the A/B too: B's spectrum and loudness, the gain reduction
                controller.audition()
                window.jobs.wait(120000)
            app.processEvents()
            app.processEvents()
            ok = window.grab().save(screenshot)
            window.close()
            if not ok:
                print(f"secondear: could not write {screenshot}", file=sys.stderr)
                return 1
            print(screenshot)
            return 0
        window.show()
        if session is None:
            _open(controller, source, context)
        return app.exec()
    finally:
        processes.stop()


def _open(controller: PanelController, source: str | None, context: Context | None) -> None:
    if source is None:
        controller.open_demo(context=context)
    else:
        controller.open_file(source, context=context)


def _quiet_offscreen(_mode: Any, _context: Any, message: str) -> None:
    """Qt's own messages on stderr, less the offscreen platform's harmless size-hint note."""
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")
