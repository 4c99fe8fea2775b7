"""``secondear panel``: open the panel (the built-in demo session when no file is given).

panel [FILE] [context flags] [--watch FOLDER] [--listen [PORT]] [--accept all|ID,…]
      [--screenshot OUT.png [--size WxH]]
    Measure FILE (or the demo, in the pop genre for Spotify) in the context given and open
    the panel on it; ``--screenshot`` draws the window off screen into OUT.png and exits.

Everything about the file and the context is checked here, before Qt is started: a typo or
an unreadable file is a one-line error. The audio is measured once the window is drawn (in
a worker process: the window says it is measuring, and fills in), except with ``--accept``
(the suggestion ids must be known first) and ``--screenshot``. The panel itself (:mod:`ui.panel`) is imported only
when it is about to open: the command line must keep working on a machine where Qt's
libraries cannot load (a server without libGL or libEGL), which an import at the top of
this module would break for every command.

Before Qt is loaded, :func:`.qt_platform.platform_problem` checks that Qt's platform plugin
can load and the display answers: a missing ``libxcb-*`` library is one line naming the
package to install (exit 2), never Qt's abort.

Exit status: 0 closed, 1 the file cannot be read, 2 a usage error, no display, or a Qt
platform that cannot load.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from analyzers.errors import ParameterError
from bridge.advise import ReferenceReadError, resolve_context
from bridge.apply import ApplyError, select
from bridge.audio_io import probe
from bridge.errors import AudioReadError
from bridge.osc.codec import DEFAULT_PORT
from bridge.session import Session

from .context import add_context_args, context_request, fail, taste_summary
from .qt_platform import platform_problem

#: The demo session's context when nothing else is given.
DEMO_CONTEXT = {"genre": "pop", "target": "spotify"}


def add_panel_parser(sub: Any) -> None:
    p = sub.add_parser(
        "panel",
        help="open the panel (the built-in demo session when no file is given)",
        description="Open Second Ear's panel on FILE, or on the built-in demo session (a synthetic groove "
        "measured against the pop target for Spotify) when no file is given: cards to accept, tweak or "
        "reject, loudness-matched A/B, export, presets, push to the DAW.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="audio file to open (default: the demo)")
    add_context_args(p)
    p.add_argument("--watch", metavar="FOLDER", help="analyze every bounce that lands in FOLDER")
    p.add_argument("--listen", nargs="?", const=DEFAULT_PORT, type=int, metavar="PORT",
                   help="answer /secondear/analyze, select, intent, accept, reject from the DAW on 127.0.0.1:PORT "
                        f"(default {DEFAULT_PORT}), as 'daw serve' does")  # fmt: skip
    p.add_argument("--accept", metavar="all|ID,ID", help="accept these suggestions on opening")
    p.add_argument("--screenshot", metavar="OUT.png", help="draw the panel off screen into OUT.png and exit")
    p.add_argument("--size", default="1280x800", metavar="WxH", help="window size for --screenshot (default 1280x800)")


def has_display() -> bool:
    """Whether a window can be shown: a display, or an off-screen Qt platform asked for."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or os.environ.get(
        "QT_QPA_PLATFORM", "") in ("offscreen", "minimal", "vnc")  # fmt: skip


def run_panel_command(args: argparse.Namespace) -> int:
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif not has_display():
        return fail("no display to open the panel on (no DISPLAY or WAYLAND_DISPLAY). Run it under "
                    "'xvfb-run secondear panel', or write a picture with 'secondear panel --screenshot panel.png'; "
                    "every panel action also exists on the command line (secondear --help).", 2)  # fmt: skip
    problem = platform_problem()  # before Qt loads: a missing library is this line, not Qt's abort
    if problem:
        return fail(problem, 2)
    size = None
    if args.screenshot:
        try:
            size = tuple(int(v) for v in args.size.lower().split("x"))
            if len(size) != 2 or min(size) <= 0:
                raise ValueError
        except ValueError:
            return fail(f"--size {args.size!r} is not WIDTHxHEIGHT", 2)
    request = context_request(args)
    if args.file is None and not any((args.genre, args.target, args.intent, args.reference)) and args.role == "mix":
        request = type(request)(role="mix", **DEMO_CONTEXT)
    session = None
    try:
        request.check()  # a typo is reported before anything is read
        context = resolve_context(request)
        if args.file is not None:
            probe(args.file)  # an unreadable file is one line before Qt starts
        if args.accept or args.screenshot:  # ids to accept must be known; a picture waits anyway: measured first
            session = Session.demo() if args.file is None else Session.from_file(args.file)
            session.use_context(context)
            for s in select(session.advice, args.accept or "none"):  # a picture alone accepts nothing
                session.accept(s.id)
    except (ParameterError, ApplyError) as exc:
        return fail(str(exc), 2)
    except (AudioReadError, ReferenceReadError) as exc:
        return fail(str(exc), 1)
    from ..panel.app import run_panel  # Qt is loaded only now (see the module's docstring)

    # without --accept the window is drawn first and the audio measured meanwhile
    return run_panel(session, source=None if args.file is None else os.path.abspath(args.file), context=context,
                     taste=taste_summary(args), watch=args.watch, listen_port=args.listen,
                     screenshot=args.screenshot, size=size)  # fmt: skip
