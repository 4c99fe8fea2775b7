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
import os
from datetime import datetime, timezone
from typing import Any

from analyzers.suggest.taste import MIN_AMOUNT_DECISIONS, REJECT_MIN_DECISIONS, REJECT_SHARE, describe_key
from bridge.files import atomic_write_text
from presets import PresetError, TasteLog

from .context import fail


def add_taste_parser(sub: Any) -> None:
    p = sub.add_parser("taste", help="what your decisions taught Second Ear: show, reset, export",
                       description="Every decision on a suggestion (panel, command line, DAW) goes to the taste "
                                   "log; from it Second Ear learns how much of a suggested amount you keep and "
                                   "which moves you reject, and scales its suggestions by it.")  # fmt: skip
    verbs = p.add_subparsers(dest="taste_command", metavar="VERB", required=True)
    show = verbs.add_parser("show", help="what was learnt")
    show.add_argument("--json", action="store_true", help="print the summary as JSON")
    verbs.add_parser("reset", help="back to the defaults (the log is moved aside, not destroyed)")
    export = verbs.add_parser("export", help="the summary and every decision as JSON")
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
    if not log.path.exists():
        print(f"no taste log at {log.path}: the defaults are in use")
        return 0
    aside = log.path.with_name(f"{log.path.name}.reset-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}")
    try:
        os.replace(log.path, aside)
    except OSError as exc:
        return fail(f"cannot move the taste log {log.path} aside: {exc.strerror or exc}", 1)
    print(f"taste reset: suggestions use the defaults again; the old log is kept as {aside}")
    return 0


def render_taste(summary: dict[str, Any]) -> str:
    """The readable form of ``taste show``."""
    n = int(summary.get("decisions", 0))
    lines = [f"taste log {summary.get('path')}: {n} decisions"
             + (f" ({summary['skipped_lines']} unreadable lines skipped)" if summary.get("skipped_lines") else "")]
    if not n:
        lines.append("  nothing learnt yet: suggestions use the defaults")
        return "\n".join(lines)
    amounts = [(k, v) for k, v in summary.get("amounts", {}).items() if not k.endswith("|*")]
    learnt = [(k, v) for k, v in amounts if v["n"] >= MIN_AMOUNT_DECISIONS and abs(v["kept"] - 1) >= 0.05]
    lines.append("  amounts you keep (suggestions are scaled by these)")
    lines += [f"    {describe_key(k)}: about {100 * v['kept']:.0f} % ({v['n']} decisions)" for k, v in learnt] or [
        f"    none yet (a kind, region and role needs {MIN_AMOUNT_DECISIONS} accepted or tweaked decisions)"]
    rejected = [(kind, role, st) for kind, roles in summary.get("by_kind_role", {}).items() for role, st in roles.items()
                if st["total"] >= REJECT_MIN_DECISIONS and st["rejected"] / st["total"] >= REJECT_SHARE]  # fmt: skip
    lines.append("  left out (you reject them)")
    lines += [f"    {kind.replace('_', '-')} on {role}: rejected {st['rejected']} of {st['total']}"
              for kind, role, st in rejected] or ["    none"]  # fmt: skip
    lines.append("  decisions by kind and role")
    for kind, roles in summary.get("by_kind_role", {}).items():
        for role, st in roles.items():
            lines.append(f"    {kind:<11} {role:<8} {st['accepted']} accepted, {st['tweaked']} tweaked, "
                         f"{st['rejected']} rejected")  # fmt: skip
    return "\n".join(lines)
