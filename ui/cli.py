"""``secondear``: the command line. Everything the panel does, the command line does too.

Subcommands (without one: ``panel`` on the built-in demo session)
-----------
panel [FILE] [--role R] [--genre G] [--target T] [--intent TEXT] [--reference REF] [--watch DIR]
    The panel: cards to accept, tweak or reject, A/B, export, presets, push to the DAW.
analyze FILE... [--json]
    Measure files (or the built-in demo when no file is given).
suggest FILE... [--role R] [--genre G] [--target T] [--reference REF] [--intent TEXT] [--json]
    Propose moves with their measured reasons, and say what to leave alone.
apply FILE... -o OUT [--accept all|ID,ID,…] [context flags] [--album]
    Render the accepted moves and print predicted against measured.
render FILE -o OUT (--chain CHAIN.json | --move SPEC…) [--plugin NAME] [--save-chain C.json]
    Render a chain file, built-in moves, or moves mapped onto a plugin; EQ checked.
ab FILE --chain CHAIN.json [--region START:END] [--export-a A] [--export-b B] [--play a|b]
    Audition the chain against the original, loudness-matched.
daw serve [--host H] [--port N] [--allow ADDR…]
    Run the bridge's own OSC server for the DAW (see ``ui/cli_daw.py``).
presets list|show|save|delete|rename|export|import …
    The engineer's presets and the factory ones (see ``ui/cli_presets.py``).

Folders given as FILE are expanded to the audio files in them. Exit status: 0 when every
file was handled (warnings included), 1 when any file could not be read or written, 2 for
a usage error (an unknown role, genre, target or intent word included).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bridge.runtime import tune_allocator

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secondear",
        description="Second Ear: a second pair of ears for mixing and mastering engineers.",
    )
    parser.add_argument("--version", action="version", version=f"secondear {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    an = sub.add_parser(
        "analyze",
        help="measure loudness, peaks, spectrum, stereo and hygiene of audio files",
        description=(
            "Measure audio files: BS.1770-4 loudness (integrated, short-term, momentary, LRA), "
            "true peak, crest factor, PLR, 1/3-octave spectrum, stereo correlation and width, "
            "DC, clipping, noise floor, silence and sections. Without FILE, the built-in demo."
        ),
    )
    an.add_argument("files", nargs="*", metavar="FILE", help="audio files (WAV, FLAC, AIFF, MP3, OGG)")
    an.add_argument("--json", action="store_true", help="print JSON (one object, or an array for several files)")
    an.add_argument("--no-progress", action="store_true", help="never draw a progress bar on stderr")

    from .cli_suggest import add_apply_parser, add_suggest_parser

    add_suggest_parser(sub)
    add_apply_parser(sub)
    from .cli_plugins import add_plugins_parser

    add_plugins_parser(sub)
    from .cli_render import add_render_parsers

    add_render_parsers(sub)
    from .cli_daw import add_daw_parser

    add_daw_parser(sub)
    from .cli_presets import add_presets_parser

    add_presets_parser(sub)
    from .panel import add_panel_parser

    add_panel_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``secondear`` console command."""
    tune_allocator()
    args = build_parser().parse_args(argv)
    if args.command is None:  # the main job: the panel (on the demo session)
        args = build_parser().parse_args(["panel"])
    if args.command == "analyze":
        return _analyze(args)
    from .cli_suggest import run_apply_command, run_suggest_command

    if args.command == "suggest":
        return run_suggest_command(args)
    if args.command == "apply":
        return run_apply_command(args)
    if args.command == "plugins":
        from .cli_plugins import run_plugins_command

        return run_plugins_command(args)
    if args.command == "daw":
        from .cli_daw import run_daw_command

        return run_daw_command(args)
    if args.command == "presets":
        from .cli_presets import run_presets_command

        return run_presets_command(args)
    if args.command == "panel":
        from .panel import run_panel_command

        return run_panel_command(args)
    if args.command in ("render", "ab"):
        from .cli_render import run_ab_command, run_render_command

        return run_render_command(args) if args.command == "render" else run_ab_command(args)
    return 2


def _analyze(args: argparse.Namespace) -> int:
    from analyzers import analyze
    from analyzers.report import analysis_to_dict
    from bridge.errors import AudioReadError
    from bridge.measure import analyze_file

    results: list[dict[str, Any]] = []
    failed = False
    if not args.files:
        from bridge.demo import DEMO_NAME, DEMO_SAMPLE_RATE_HZ, demo_mix

        results.append(analysis_to_dict(analyze(demo_mix(), DEMO_SAMPLE_RATE_HZ), path=DEMO_NAME))
    show_progress = not args.no_progress and sys.stderr.isatty()
    for i, path in enumerate(args.files):
        progress = _ProgressBar(path, i, len(args.files)) if show_progress else None
        try:
            info, analysis = analyze_file(path, progress=progress)
            results.append(analysis_to_dict(analysis, path=path))
        except AudioReadError as exc:
            failed = True
            results.append({"path": path, "error": str(exc)})
        finally:
            if progress is not None:
                progress.close()
    if args.json:
        payload: Any = results[0] if len(results) == 1 else results
        print(json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False))
    else:
        from .text_report import render_table

        blocks = []
        for r in results:
            blocks.append(f"{r['path']}\n  error: {r['error']}" if "error" in r else render_table(r))
        print("\n\n".join(blocks))
    for r in results:
        if "error" in r:
            print(f"secondear: {r['error']}", file=sys.stderr)
    return 1 if failed else 0


class _ProgressBar:
    """A one-line progress bar on stderr, drawn only for files that take a while."""

    def __init__(self, path: str, index: int, count: int) -> None:
        self._label = f"[{index + 1}/{count}] {path}" if count > 1 else path
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total <= 0 or (not self._drawn and total < 48000 * 60):
            return  # short files finish before a bar would help
        frac = done / total
        bar = "#" * int(frac * 30)
        sys.stderr.write(f"\r{self._label[-40:]:40} [{bar:<30}] {frac:4.0%}")
        sys.stderr.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
