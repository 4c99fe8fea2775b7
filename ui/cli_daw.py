"""``secondear daw …``: the link with the engineer's DAW.

serve [--host 127.0.0.1] [--port 9000] [--allow ADDR …]
    Run the bridge's own OSC server (address space in ``bridge/osc/codec.py`` and the
    README) until Ctrl-C or SIGTERM; prints the address it listens on, and its counters on
    the way out.

Exit status: 0 stopped cleanly, 1 the port cannot be bound, 2 a usage error (binding beyond
loopback without ``--allow``, an address that is not one).

Other ``daw`` actions add a ``_add_<action>_parser(actions)`` and a ``_run_<action>(args)``
function and one line each in :func:`add_daw_parser` and ``_RUNNERS``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any


def add_daw_parser(sub: Any) -> None:
    p = sub.add_parser("daw", help="talk to the DAW over OSC (the bridge's own server, …)",
                       description="The DAW link: Second Ear's own OSC server, and (later) DAW profiles.")  # fmt: skip
    actions = p.add_subparsers(dest="daw_command", metavar="ACTION", required=True)
    _add_serve_parser(actions)
    from .cli_daw_client import add_daw_client_commands  # status, push (the DAW client side)

    _RUNNERS.update(add_daw_client_commands(actions))


def run_daw_command(args: argparse.Namespace) -> int:
    run = _RUNNERS.get(args.daw_command)
    if run is None:
        print(f"secondear daw: unknown action {args.daw_command!r}", file=sys.stderr)
        return 2
    return run(args)


# ---------------------------------------------------------------- serve


def _add_serve_parser(actions: Any) -> None:
    s = actions.add_parser(
        "serve", help="run the bridge's own OSC server",
        description="Listen for /secondear/... OSC messages (ping, analyze, select, intent, accept, "
                    "reject, reply_to) and answer the sender. Bound to 127.0.0.1 unless --host says "
                    "otherwise, in which case --allow lists the senders it will read.",
    )  # fmt: skip
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=9000, help="UDP port (default 9000; 0 picks a free one)")
    s.add_argument("--allow", nargs="+", default=[], metavar="ADDR",
                   help="sender addresses or networks allowed (required with a --host beyond loopback)")  # fmt: skip


def _run_serve(args: argparse.Namespace) -> int:
    import logging

    from bridge.errors import BridgeError
    from bridge.osc.server import BridgeServer, BridgeSession

    from . import __version__

    if not 0 <= args.port <= 65535:
        print(f"secondear daw serve: --port {args.port} is outside 0…65535", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="secondear: %(levelname)s %(name)s: %(message)s")
    try:
        from presets import TasteLog

        server = BridgeServer(BridgeSession(version=__version__, on_decision=TasteLog().append), host=args.host,
                              port=args.port, allow=args.allow)  # fmt: skip
    except ValueError as exc:
        print(f"secondear daw serve: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        stop.set()

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, on_signal)
    try:
        try:
            server.start()
        except BridgeError as exc:
            print(f"secondear daw serve: {exc}", file=sys.stderr)
            return 1
        host, port = server.address
        print(f"secondear: listening for OSC on udp://{host}:{port} (Ctrl-C to stop)", flush=True)
        while not stop.wait(0.5):
            pass
        print("secondear: stopping", flush=True)
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    stats = {k: v for k, v in server.stats().items() if v}
    print("secondear: " + (", ".join(f"{k}={v}" for k, v in stats.items()) or "no traffic"), file=sys.stderr)
    return 0


_RUNNERS = {"serve": _run_serve}
