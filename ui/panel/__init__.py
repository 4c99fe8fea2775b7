"""The panel: a PyQt6 face over :class:`bridge.session.Session` (``secondear panel``).

Start it with ``secondear panel [FILE] [--role R] [--genre G] [--target T] [--intent TEXT]
[--reference REF] [--watch FOLDER]``; without FILE it opens the built-in demo session.
``--screenshot OUT.png`` draws the window off screen, writes the picture and exits (the
README's screenshot is made so; ``--accept all`` first accepts the suggestions).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

DEMO_CONTEXT = {"genre": "pop", "target": "spotify"}


def add_panel_parser(sub: Any) -> None:
    p = sub.add_parser(
        "panel",
        help="open the panel (the built-in demo session when no file is given)",
        description="Open Second Ear's panel on FILE, or on the built-in demo session (a synthetic groove "
        "measured against the pop target for Spotify) when no file is given.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="audio file to open (default: the demo)")
    from ..cli_suggest import _context_args

    _context_args(p)
    p.add_argument("--watch", metavar="FOLDER", help="analyze every bounce that lands in FOLDER")
    p.add_argument("--listen", nargs="?", const=9000, type=int, metavar="PORT",
                   help="answer /secondear/analyze, select, intent, accept, reject from the DAW on 127.0.0.1:PORT "
                        "(default 9000), as 'daw serve' does")  # fmt: skip
    p.add_argument("--accept", metavar="all|ID,ID", help="accept these suggestions on opening")
    p.add_argument("--screenshot", metavar="OUT.png", help="draw the panel off screen into OUT.png and exit")
    p.add_argument("--size", default="1280x800", metavar="WxH", help="window size for --screenshot (default 1280x800)")


def _has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or os.environ.get(
        "QT_QPA_PLATFORM", "") in ("offscreen", "minimal", "vnc")  # fmt: skip


def run_panel_command(args: argparse.Namespace) -> int:
    """``secondear panel``: exit status 0, 1 (the file cannot be read), 2 (usage)."""
    from analyzers.errors import ParameterError
    from bridge.apply import ApplyError, select
    from bridge.errors import AudioReadError
    from bridge.session import Session

    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif not _has_display():
        print("secondear: no display to open the panel on (no DISPLAY or WAYLAND_DISPLAY). Run it under "
              "'xvfb-run secondear panel', or write a picture with 'secondear panel --screenshot panel.png'; "
              "every panel action also exists on the command line (secondear --help).", file=sys.stderr)  # fmt: skip
        return 2
    context = {"role_name": args.role, "genre_name": args.genre, "target": args.target, "intent": args.intent or ""}
    if args.file is None and not any((args.genre, args.target, args.intent, args.reference)) and args.role == "mix":
        context.update(genre_name=DEMO_CONTEXT["genre"], target=DEMO_CONTEXT["target"])
    try:
        from analyzers.context import make_context

        make_context(role_name=context["role_name"], genre_name=context["genre_name"], target=context["target"])
        session = Session.demo() if args.file is None else Session.from_file(args.file)
        reference = None
        if args.reference:
            from bridge.measure import analyze_file

            reference = analyze_file(args.reference)[1]
        session.set_context(**context, reference=reference, reference_name=args.reference)
        if args.accept:
            for s in select(session.advice, args.accept):
                session.accept(s.id)
    except ParameterError as exc:
        print(f"secondear: {exc}", file=sys.stderr)
        return 2
    except AudioReadError as exc:
        print(f"secondear: {exc}", file=sys.stderr)
        return 1
    except ApplyError as exc:
        print(f"secondear: {exc}", file=sys.stderr)
        return 2
    return _run_qt(session, args)


def _run_qt(session: Any, args: argparse.Namespace) -> int:
    from PyQt6.QtCore import qInstallMessageHandler
    from PyQt6.QtWidgets import QApplication

    from .style import STYLE_SHEET
    from .window import PanelWindow

    qInstallMessageHandler(_quiet_offscreen)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Second Ear")
    app.setStyleSheet(STYLE_SHEET)
    from presets import PresetError, TasteLog

    from ..cli_suggest import taste_summary

    taste = TasteLog()
    summary = taste_summary(args)
    window = PanelWindow(on_decision=None, taste=summary)

    def keep(decision: Any) -> None:
        try:
            taste.append(decision)
        except PresetError as exc:  # a full disk: the decision stands, the log says why it is not kept
            window.status(f"decision not kept in the taste log: {exc}")

    window.on_decision = keep
    window.show_session(session)
    if args.watch:
        window.watch(args.watch)
    if args.listen is not None:
        from bridge.errors import BridgeError

        try:
            window.listen(args.listen)
        except BridgeError as exc:
            print(f"secondear: {exc}", file=sys.stderr)
            return 1
    if args.screenshot:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            print(f"secondear: --size {args.size!r} is not WIDTHxHEIGHT", file=sys.stderr)
            return 2
        window.resize(w, h)
        window.show()
        app.processEvents()
        ok = window.grab().save(args.screenshot)
        window.close()
        if not ok:
            print(f"secondear: could not write {args.screenshot}", file=sys.stderr)
            return 1
        print(args.screenshot)
        return 0
    window.show()
    return app.exec()


def _quiet_offscreen(_mode: Any, _context: Any, message: str) -> None:
    """Qt's own messages on stderr, less the offscreen platform's harmless size-hint note."""
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")
