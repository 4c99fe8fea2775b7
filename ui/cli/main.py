"""``secondear``: the parser of every command, and the entry point.

Each command family lives in its own module of this package and adds its parser with an
``add_*_parser(sub)`` function and runs with a ``run_*_command(args)`` function; this module
only wires them and keeps the command line's manners: output into a closed pipe
(``secondear analyze … | head -2``) ends quietly, and ``secondear`` alone opens the panel on
the built-in demo session.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from bridge.runtime import tune_allocator

from .. import __version__
from .analyze import add_analyze_parser, run_analyze_command
from .daw import add_daw_parser, run_daw_command
from .panel import add_panel_parser, run_panel_command
from .plugins import add_plugins_parser, run_plugins_command
from .presets import add_presets_parser, run_presets_command
from .render import add_ab_parser, add_render_parser, run_ab_command, run_render_command
from .suggest import add_apply_parser, add_suggest_parser, run_apply_command, run_suggest_command
from .taste import add_taste_parser, run_taste_command

#: Exit status after output went into a closed pipe: 128 + SIGPIPE, as a shell reports a
#: command that SIGPIPE ended.
BROKEN_PIPE_STATUS = 141

#: Every command: its parser and what runs it, in the order ``--help`` lists them.
COMMANDS: dict[str, tuple[Callable[[argparse._SubParsersAction], None], Callable[[argparse.Namespace], int]]] = {
    "panel": (add_panel_parser, run_panel_command),
    "analyze": (add_analyze_parser, run_analyze_command),
    "suggest": (add_suggest_parser, run_suggest_command),
    "apply": (add_apply_parser, run_apply_command),
    "render": (add_render_parser, run_render_command),
    "ab": (add_ab_parser, run_ab_command),
    "daw": (add_daw_parser, run_daw_command),
    "plugins": (add_plugins_parser, run_plugins_command),
    "presets": (add_presets_parser, run_presets_command),
    "taste": (add_taste_parser, run_taste_command),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secondear",
        description="Second Ear: a second pair of ears for mixing and mastering engineers. It measures a "
        "track, a bus or a mix, proposes EQ, dynamics, loudness and repair moves with the measured reason for "
        "each, renders and auditions them loudness-matched, pushes them into the DAW and keeps them as "
        "presets. Without a command: the panel on the built-in demo session.",
        epilog="Folders given as FILE are expanded to the audio files in them. Exit status: 0 when every file "
        "was handled (warnings included), 1 when a file could not be read or written, 2 for a usage error. "
        "'secondear COMMAND --help' says more.",
    )
    parser.add_argument("--version", action="version", version=f"secondear {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add, _run in COMMANDS.values():
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``secondear`` console command; returns the exit status."""
    tune_allocator()
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:  # the main job: the panel (on the demo session)
            args = build_parser().parse_args(["panel"])
        status = COMMANDS[args.command][1](args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE_STATUS
    except KeyboardInterrupt:
        print("secondear: interrupted", file=sys.stderr)
        return 130


def _quiet_stdout() -> None:
    """After the reader of stdout went away: point stdout at /dev/null, so that the
    interpreter's own flush at exit does not complain a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
