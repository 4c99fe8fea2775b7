"""``secondear daw status`` and ``secondear daw push``: the DAW client side of the link.

status --profile P [--host H] [--port N] [--json]
    Tracks, their gain, plugins and parameter values, as the DAW reports them (a profile
    whose DAW only sends feedback, like REAPER's, says which verbs it cannot read).
push --profile P [--host H] [--port N] --track NAME|NUMBER --move SPEC [--move SPEC …]
    Put accepted moves into the DAW: ``gain gain_db=-6`` on the track's fader, the others
    (``compressor threshold_db=-18 ratio=3``) on the matching plugin already on that track,
    through the plugin maps.

P is ardour, reaper, ableton, bitwig, generic or the path of a profile file
(``bridge/daw/profiles/``). Exit status: 0 done, 1 the DAW did not answer (or refused), 2 a
usage error (unknown profile, track, plugin, a move that does not parse or fit).

Wiring (``ui/cli_daw.py``): ``_RUNNERS.update(add_daw_client_commands(actions))``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any


def add_daw_client_commands(daw_subparsers: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add ``status`` and ``push`` to the ``daw`` sub-parsers; returns their runners by name."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--profile", required=True, metavar="P",
                       help="ardour, reaper, ableton, bitwig, generic, or a profile file")  # fmt: skip
        p.add_argument("--host", default="127.0.0.1", help="the DAW's host (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=None, help="the DAW's OSC port (default: the profile's)")
        p.add_argument("--reply-port", type=int, default=None,
                       help="local port for replies (default: the profile's fixed one, e.g. AbletonOSC's 11001, else any free one)")  # fmt: skip
        p.add_argument("--timeout", type=float, default=2.0, metavar="S",
                       help="seconds per request, retries included (default 2)")  # fmt: skip

    s = daw_subparsers.add_parser("status", help="tracks, plugins and values as the DAW reports them",
                                  description="Ask the DAW (over its OSC surface) for its tracks, their gain, "
                                              "plugins and parameter values.")  # fmt: skip
    common(s)
    s.add_argument("--json", action="store_true", help="print JSON")
    p = daw_subparsers.add_parser("push", help="put accepted moves on a DAW track's fader and plugins",
                                  description="Send moves to the DAW: gain on the fader, the others on the "
                                              "matching plugin already on the track (through the plugin maps).")  # fmt: skip
    common(p)
    p.add_argument("--track", required=True, metavar="NAME|NUMBER", help="the DAW track (name or 1-based number)")
    p.add_argument("--move", action="append", required=True, metavar="SPEC",
                   help="a move, e.g. 'compressor threshold_db=-18 ratio=3' or 'gain gain_db=-6' (repeatable)")
    p.add_argument("--json", action="store_true", help="print what was set as JSON")
    return {"status": run_status, "push": run_push}


def _client(args: argparse.Namespace):
    from bridge.daw import DawClient

    return DawClient(args.profile, args.host, args.port, reply_port=args.reply_port, timeout_s=args.timeout)


def _fail(exc: Exception) -> int:
    from bridge.errors import DawLinkError

    print(f"secondear daw: {exc}", file=sys.stderr)
    return 1 if isinstance(exc, DawLinkError) else 2


def run_status(args: argparse.Namespace) -> int:
    from bridge.errors import BridgeError

    try:
        with _client(args) as daw:
            status = daw.status()
    except (BridgeError, OSError) as exc:
        return _fail(exc)
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    print(f"{status['daw']} at {status['host']}:{status['port']}: {len(status['tracks'])} track(s)")
    for t in status["tracks"]:
        gain = f"  {t['gain_db']:+.2f} dB" if "gain_db" in t else ""
        print(f"  {t['number']:>3}  {t['name']}{gain}")
        for pl in t.get("plugins", []):
            state = "" if pl.get("active", True) else "  (bypassed)"
            print(f"         [{pl['number']}] {pl['name']}{state}")
            for par in pl.get("parameters", []):
                if par.get("input", True) and not par.get("hidden"):
                    print(f"             {par['name']}: {par['value']:g}" if "value" in par else f"             {par['name']}")
    return 0


def run_push(args: argparse.Namespace) -> int:
    from analyzers.moves import parse_move
    from bridge.daw import push_moves
    from bridge.errors import BridgeError

    try:
        moves = [parse_move(m) for m in args.move]
    except ValueError as exc:
        print(f"secondear daw push: {exc}", file=sys.stderr)
        return 2
    try:
        with _client(args) as daw:
            report = push_moves(daw, args.track, moves)
    except (BridgeError, OSError) as exc:
        return _fail(exc)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for r in report:
        sets = ", ".join(f"{s.get('name')}={s.get('value'):g}" for s in r["set"])
        print(f"{r['target']}: {sets}" + (f"  (not on this plugin: {', '.join(r['unmatched'])})" if r["unmatched"] else ""))
    return 0
