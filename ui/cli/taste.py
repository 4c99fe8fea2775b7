"""``secondear taste``: what Second Ear has learnt from your decisions, and how to forget it.

taste show [--json]
    How many decisions, the accept rate per move kind and role, the share of suggested
    amounts you keep (per kind, direction, frequency region and role) and the kinds you
    always reject on a role: what scales and leaves out suggestions.
taste reset
    Start again from the defaults: the log is moved aside (``taste.jsonl.reset-<time>``
    beside it), not destroyed; say so.
taste export [-o FILE]
    The summary and every decision as JSON (stdout, or FILE written atomically).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bridge.files import atomic_write_text
from presets import PresetError, TasteLog
from presets.taste import describe_taste

from .context import fail


def add_taste_parser(sub: Any) -> None:
    p = sub.add_parser("taste", help="what your decisions taught Second Ear: show, reset, export",
                       description="Every decision on a suggestion (panel, command line, DAW) goes to the taste "
                                   "log; from it Second Ear learns how much of a suggested amount you keep and "
                                   "which moves you reject, and scales its suggestions by it.")  # fmt: skip
    verbs = p.add_subparsers(dest="taste_command", metavar="VERB", required=True)
    show = verbs.add_parser("show", help="what was learnt",
                            description="Show what your decisions taught Second Ear: the share of suggested amounts "
                                        "you keep per move kind, region and role, the kinds you reject, and the "
                                        "loudness you finish at per destination.")
    show.add_argument("--json", action="store_true", help="print the summary as JSON")
    verbs.add_parser("reset", help="back to the defaults (the log is moved aside, not destroyed)",
                     description="Forget what was learnt: suggestions go back to the defaults. The decision log "
                                 "is moved aside (renamed), not destroyed.")
    export = verbs.add_parser("export", help="the summary and every decision as JSON",
                              description="Write what was learnt and every decision behind it as one JSON "
                                          "document (to stdout, or to a file).")
    export.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of stdout")


def run_taste_command(args: argparse.Namespace) -> int:
    log = TasteLog()
    try:
        if args.taste_command == "reset":
            return _reset(log)
        read = log.read()
        summary = {**log.summary(), "path": str(log.path)}
    except PresetError as exc:
        return fail(str(exc), 1)
    if args.taste_command == "export":
        text = json.dumps({**summary, "decisions_log": [d.to_dict() for d in read.decisions]}, indent=1,
                          ensure_ascii=False, allow_nan=False) + "\n"  # fmt: skip
        if args.output:
            try:
                atomic_write_text(args.output, text)
            except OSError as exc:
                return fail(f"cannot write {args.output}: {exc.strerror or exc}", 1)
        else:
            print(text, end="")
        return 0
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False))
        return 0
    print(render_taste(summary))
    return 0


def _reset(log: TasteLog) -> int:
    aside = log.reset()
    if aside is None:
        print(f"no taste log at {log.path}: the defaults are in use")
    else:
        print(f"taste reset: suggestions use the defaults again; the old log is kept as {aside}")
    return 0


def render_taste(summary: dict[str, Any]) -> str:
    """The readable form of ``taste show``."""
    return "\n".join([f"taste log {summary.get('path')}: " + describe_taste(summary)[0],
                      *("  " + line for line in describe_taste(summary)[1:])])
