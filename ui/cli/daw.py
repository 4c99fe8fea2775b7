"""``secondear daw …``: the link with the engineer's DAW.

serve [--host 127.0.0.1] [--port 9000] [--allow ADDR …] [--reply-port PORT] [--folder DIR …]
    Run the bridge's own OSC server (its address space: ``bridge/osc/codec.py`` and the
    README) until Ctrl-C or SIGTERM; prints the address it listens on, and its counters on
    the way out. Accept/reject decisions go to the taste log.
status --profile P [--host H] [--port N] [--json]
    Tracks, their gain, plugins and parameter values, as the DAW reports them (a profile
    whose DAW only sends feedback, like REAPER's, says which verbs it cannot read).
push --profile P [--host H] [--port N] --track NAME|NUMBER (--move SPEC [--move SPEC …] | --chain FILE | --preset NAME)
    Put accepted moves into the DAW: ``gain gain_db=-6`` on the track's fader, the others
    (``compressor threshold_db=-18 ratio=3``) on the matching plugin already on that track,
    through the plugin maps. A chain file or a preset pushes the moves its slots realise
    (a built-in slot's move, a plugin slot's recorded ``moves``), the same way. A ``ride``
    becomes the fader's automation where the profile can write it (Ardour: a write pass in
    real time from ``--ride-at`` seconds, then played back and compared), else it is said to
    be rendered, not pushed.
watch FOLDER [--role R] [--target T] [--json]
    Measure each new bounce that lands in FOLDER and print its suggestions.
follow --profile P [--json]
    Print the DAW's selection changes.

P is ardour, reaper, ableton, bitwig, generic or the path of a profile file
(``bridge/daw/profiles/``). Exit status: 0 done, 1 the DAW did not answer (or refused) or a
port cannot be bound, 2 a usage error (unknown profile, track, plugin, a move that does not
parse or fit, binding beyond loopback without ``--allow``).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from analyzers.context import Context
from analyzers.errors import ParameterError
from analyzers.moves import parse_move
from bridge.advise import ContextRequest, advise_file
from bridge.chain import ChainError, load_chain
from bridge.daw import DawClient, chain_moves, follow_selection, push_moves
from bridge.errors import BridgeError, DawLinkError
from bridge.osc.codec import DEFAULT_PORT
from bridge.osc.dispatch import ANALYZE_TIMEOUT_S, BridgeSession
from bridge.osc.server import BridgeServer
from bridge.watch import watch_folder
from presets import PresetError, TasteLog

from .. import __version__
from .context import fail, say, taste_summary
from .presets import error_code, load_preset_chain


def add_daw_parser(sub: Any) -> None:
    p = sub.add_parser("daw", help="talk to the DAW over OSC: serve, status, push, watch, follow",
                       description="The DAW link: Second Ear's own OSC server for the DAW to call (serve), the "
                                   "DAW's state read over its OSC surface (status), moves pushed onto its faders "
                                   "and plugins (push), bounces measured as they land in a folder (watch), and "
                                   "its selection followed (follow).")  # fmt: skip
    actions = p.add_subparsers(dest="daw_command", metavar="ACTION", required=True)
    _add_serve_parser(actions)
    _add_client_parsers(actions)
    _add_bring_in_parsers(actions)


def run_daw_command(args: argparse.Namespace) -> int:
    runners: dict[str, Callable[[argparse.Namespace], int]] = {
        "serve": run_serve, "status": run_status, "push": run_push, "watch": run_watch, "follow": run_follow,
    }  # fmt: skip
    return runners[args.daw_command](args)


def _add_serve_parser(actions: Any) -> None:
    s = actions.add_parser(
        "serve", help="run the bridge's own OSC server",
        description="Listen for /secondear/... OSC messages (ping, analyze, select, intent, accept, "
                    "reject, reply_to) and answer the sender. Bound to 127.0.0.1 unless --host says "
                    "otherwise, in which case --allow lists the senders it will read.",
    )  # fmt: skip
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"UDP port (default {DEFAULT_PORT}; 0 picks a free one)")
    s.add_argument("--allow", nargs="+", default=[], metavar="ADDR",
                   help="sender addresses or networks allowed (required with a --host beyond loopback)")  # fmt: skip
    s.add_argument("--no-taste", action="store_true", help="do not nudge confidences by your past decisions")
    s.add_argument("--reply-port", type=int, default=None, metavar="PORT",
                   help="send replies to PORT on the sender's host (for tools like oscsend that send from a new "
                        "port each time); a client's own /secondear/reply_to still wins for that client")  # fmt: skip
    s.add_argument("--folder", action="append", default=[], metavar="DIR",
                   help="read audio only under DIR (repeat for several); a path elsewhere gets one answer, "
                        "whether it exists or not")  # fmt: skip
    s.add_argument("--analyze-timeout", type=float, default=ANALYZE_TIMEOUT_S, metavar="S",
                   help=f"stop an analysis that takes longer than S seconds and answer with an error "
                        f"(default {ANALYZE_TIMEOUT_S:g}: about two hours of audio on a slow machine)")  # fmt: skip


def _add_client_parsers(daw_subparsers: Any) -> None:
    """``status`` and ``push``: the DAW client side of the link."""

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
    p.add_argument("--move", action="append", default=[], metavar="SPEC",
                   help="a move, e.g. 'compressor threshold_db=-18 ratio=3' or 'gain gain_db=-6' (repeatable)")
    p.add_argument("--chain", metavar="FILE", help="push the moves of a chain file's slots")
    p.add_argument("--preset", metavar="NAME", help="push the moves of a preset's chain ('secondear presets list')")
    p.add_argument("--ride-at", type=float, default=0.0, metavar="SECONDS",
                   help="session position of the analysed file's start, where a ride's automation is written "
                        "(default 0)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print what was set as JSON")


def _add_bring_in_parsers(daw_subparsers: Any) -> None:
    """``watch`` (a watched folder) and ``follow`` (selection changes): bringing audio in."""
    w = daw_subparsers.add_parser("watch", help="analyze each new bounce that lands in a folder",
                                  description="Poll FOLDER; each new audio file, once its size has stopped "
                                              "changing, is measured and its suggestions printed. Files already "
                                              "there are ignored. Stops on Ctrl-C or SIGTERM.")  # fmt: skip
    w.add_argument("folder", metavar="FOLDER", help="the folder the DAW bounces into")
    w.add_argument("--role", default="mix", help="the bounces' role (default mix)")
    w.add_argument("--target", default=None, help="a loudness target (spotify, ebu-r128, … or LUFS)")
    w.add_argument("--poll", type=float, default=0.5, metavar="S", help="seconds between looks (default 0.5)")
    w.add_argument("--settle", type=float, default=1.0, metavar="S",
                   help="seconds a file's size must stay the same before it is read (default 1)")  # fmt: skip
    w.add_argument("--json", action="store_true", help="print one JSON object per bounce (JSON lines)")
    w.add_argument("--no-taste", action="store_true", help="do not nudge confidences by your past decisions")
    f = daw_subparsers.add_parser("follow", help="print the DAW's selection changes",
                                  description="Ask the DAW for selection feedback (Ardour: /set_surface with "
                                              "the select feedback bit 8192) and print each change until "
                                              "Ctrl-C or SIGTERM.")  # fmt: skip
    f.add_argument("--profile", required=True, metavar="P", help="ardour, generic, or a profile file")
    f.add_argument("--host", default="127.0.0.1", help="the DAW's host (default 127.0.0.1)")
    f.add_argument("--port", type=int, default=None, help="the DAW's OSC port (default: the profile's)")
    f.add_argument("--reply-port", type=int, default=None, help="local port feedback arrives on (default any)")
    f.add_argument("--timeout", type=float, default=2.0, metavar="S", help="seconds per request (default 2)")
    f.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds (default: never)")
    f.add_argument("--json", action="store_true", help="print one JSON object per change (JSON lines)")


# ---------------------------------------------------------------- serve


def run_serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        return fail(f"--port {args.port} is outside 0…65535", 2, prefix="secondear daw serve")
    if not (math.isfinite(args.analyze_timeout) and args.analyze_timeout > 0):
        return fail(f"--analyze-timeout {args.analyze_timeout:g} must be a positive number of seconds", 2,
                    prefix="secondear daw serve")  # fmt: skip
    logging.basicConfig(level=logging.INFO, format="secondear: %(levelname)s %(name)s: %(message)s")
    try:
        handler = BridgeSession(version=__version__, taste=taste_summary(args), on_decision=TasteLog().append,
                                folders=args.folder, analyze_timeout_s=args.analyze_timeout)  # fmt: skip
        server = BridgeServer(handler, host=args.host, port=args.port, allow=args.allow, reply_port=args.reply_port)
    except ValueError as exc:
        return fail(str(exc), 2, prefix="secondear daw serve")
    with _Stopper() as stop:
        try:
            server.start()
        except BridgeError as exc:
            return fail(str(exc), 1, prefix="secondear daw serve")
        try:
            host, port = server.address
            print(f"secondear: listening for OSC on udp://{host}:{port} (Ctrl-C to stop)", flush=True)
            while not stop.event.wait(0.5):
                pass
            print("secondear: stopping", flush=True)
        finally:
            server.close()
    stats = {k: v for k, v in server.stats().items() if v}
    say(", ".join(f"{k}={v}" for k, v in stats.items()) or "no traffic")
    return 0


# ---------------------------------------------------------------- status, push


def _client(args: argparse.Namespace):
    return DawClient(args.profile, args.host, args.port, reply_port=args.reply_port, timeout_s=args.timeout)


def _fail(exc: Exception) -> int:
    print(f"secondear daw: {exc}", file=sys.stderr)
    return 1 if isinstance(exc, DawLinkError) else 2


def run_status(args: argparse.Namespace) -> int:
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
    if sum(map(bool, (args.move, args.chain, args.preset))) != 1:
        print("secondear daw push: give --move SPEC (repeatable), --chain FILE or --preset NAME", file=sys.stderr)
        return 2
    try:
        if args.move:
            moves = [parse_move(m) for m in args.move]
        else:
            moves = chain_moves(load_chain(args.chain) if args.chain else load_preset_chain(args.preset))
    except (ChainError, PresetError) as exc:
        print(f"secondear daw push: {exc}", file=sys.stderr)
        return error_code(exc) if isinstance(exc, PresetError) else 1
    except ValueError as exc:
        print(f"secondear daw push: {exc}", file=sys.stderr)
        return 2
    try:
        with _client(args) as daw:
            report = push_moves(daw, args.track, moves, ride_start_s=args.ride_at,
                                progress=lambda msg: print(f"secondear daw push: {msg}", file=sys.stderr, flush=True))  # fmt: skip
    except (BridgeError, OSError) as exc:
        return _fail(exc)
    unconfirmed = [r for r in report if not r.get("confirmed") and not r.get("note")]  # noted: rendered, not pushed
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in report:
            sets = ", ".join(f"{s.get('name')}={s.get('value'):g}" for s in r["set"])
            if r.get("note"):  # a move no plugin on the track takes: rendered, not pushed
                print(f"{r['target']}: {'; '.join(r['moves'])} ({r['note']})")
                continue
            state = "confirmed" if r.get("confirmed") else "UNCONFIRMED"
            print(f"{r['target']}: {sets}  [{state}: {r.get('confirmation', '')}]"
                  + (f"  (not on this plugin: {', '.join(r['unmatched'])})" if r["unmatched"] else ""))  # fmt: skip
    if unconfirmed:
        print(f"secondear daw push: {len(unconfirmed)} of {len(report)} target(s) unconfirmed: "
              f"{unconfirmed[0]['target']}: {unconfirmed[0].get('confirmation', '')}", file=sys.stderr)  # fmt: skip
        return 1
    return 0


# ---------------------------------------------------------------- watch, follow


class _Stopper:
    """Ctrl-C and SIGTERM set an event (handlers restored on exit; main thread only)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Stopper:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, lambda *_: self.event.set())
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def bounce_record(path: Path, context: Context, taste: Mapping[str, Any] | None) -> dict[str, Any]:
    """Measure one bounce and advise (:func:`bridge.advise.advise_file`): a JSON-ready record."""
    found = advise_file(path, context, taste=taste)
    a = found.analysis
    return {"path": str(path), "role": context.role.name,
            "integrated_lufs": _num(a.loudness.integrated_lufs), "true_peak_dbtp": _num(a.levels.true_peak_dbtp),
            "suggestions": [{"id": s.id, "kind": s.move.kind, "move": s.move.describe(), "why": s.why}
                            for s in found.advice.suggestions]}  # fmt: skip


def _num(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def run_watch(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"secondear daw watch: {folder} is not a folder", file=sys.stderr)
        return 2
    try:  # a typo is reported before watching
        context = ContextRequest(role=args.role, target=args.target).check()
    except ParameterError as exc:
        return fail(str(exc), 2, prefix="secondear daw watch")
    taste = taste_summary(args)

    def on_new(path: Path) -> None:
        rec = bounce_record(path, context, taste)
        if args.json:
            print(json.dumps(rec), flush=True)
            return
        lufs = f"{rec['integrated_lufs']:.1f} LUFS" if rec["integrated_lufs"] is not None else "no loudness"
        print(f"{path.name}: {lufs}, {len(rec['suggestions'])} suggestion(s)", flush=True)
        for s in rec["suggestions"]:
            print(f"  [{s['id']}] {s['move']}: {s['why']}", flush=True)

    def on_error(path: Path, exc: BaseException) -> None:
        if args.json:
            print(json.dumps({"path": str(path), "error": str(exc)}), flush=True)
        else:
            print(f"{path.name}: cannot analyze it: {exc}", flush=True)

    def on_ready() -> None:  # on stderr: with --json, stdout holds only the records
        print(f"secondear: watching {folder} for new bounces (Ctrl-C to stop)", file=sys.stderr, flush=True)

    with _Stopper() as stop:
        n = watch_folder(folder, on_new, poll_s=args.poll, settle_s=args.settle, stop_event=stop.event,
                         on_error=on_error, on_ready=on_ready)  # fmt: skip
    print(f"secondear: stopped; {n} bounce(s) analyzed", file=sys.stderr)
    return 0


def run_follow(args: argparse.Namespace) -> int:
    def on_change(sel: dict[str, Any]) -> None:
        if args.json:
            print(json.dumps(sel), flush=True)
        elif sel["name"] is None and sel["track"] is None:
            print("selected: nothing", flush=True)
        else:
            num = f"{sel['track']}  " if sel["track"] is not None else ""
            print(f"selected: {num}{sel['name'] or ''}".rstrip(), flush=True)

    try:
        with _client(args) as daw, _Stopper() as stop:
            if "reply" in daw.profile["verbs"].get("list_tracks", {}):
                daw.list_tracks()  # a DAW that does not answer is said at once, as 'daw status' says it (exit 1)
            if not args.json:
                print(f"secondear: following {daw.daw}'s selection at {daw.host}:{daw.port} (Ctrl-C to stop)",
                      flush=True)  # fmt: skip
            changes = follow_selection(daw, stop.event, on_change, duration_s=args.duration)
    except (BridgeError, OSError) as exc:
        return _fail(exc)
    if not changes:  # not even the selection at the start: its feedback never came
        return _fail(DawLinkError(f"{daw.daw} at {daw.host}:{daw.port} reported no selection: nothing answered "
                                  "(is its OSC feedback on?)"))  # fmt: skip
    return 0
