"""The DAW link over OSC on loopback (issue 5's benchmark): our server beside liblo's tools.

Measured in one run, round-robin, with liblo's ``oscsend`` and ``oscdump`` (Debian
``liblo-tools``) as the peers:

* **Round trip**, one message at a time, median and p99:
  python-osc client → our server (``bridge/osc/server.py``) ``/secondear/ping`` →
  ``/secondear/pong`` back to the client; beside it the liblo peer, python-osc client →
  ``oscdump``, whose printed line is read back from its stdout pipe (no liblo tool answers
  over OSC, so its "reply" is that line); and the interop path, our server replying to
  ``oscdump`` (``/secondear/reply_to``).
* **oscsend**, one process per message: ``oscsend`` → ``oscdump`` (the peer) and ``oscsend`` →
  our server → ``oscdump``, timed from spawn to the printed line; the process's own cost
  (spawn to exit) is reported apart. ``oscsend`` sends each message from a new port, so no
  ``/secondear/reply_to`` can name its replies' port (that is kept per sender address and
  port): a second server answers it, started as ``secondear daw serve --reply-port`` would be.
* **One-way throughput**: one python-osc sender process blasts N pre-built ``/secondear/ping``
  datagrams as fast as it can, to ``oscdump`` (counted as lines on its stdout) and to our
  server (counted by its ``stats()``); received / sent gives the loss.

``oscdump`` listens on every interface (a host in its URL means a multicast group), so the
whole measurement runs in a user and network namespace (``unshare -rn``) whose only
interface is loopback; our server runs in its own process there too, as ``secondear daw
serve`` would. Without ``unshare`` the rows that need ``oscdump`` are left out, and without
liblo-tools the section is skipped, each with a message. A path that loses
``GIVE_UP_AFTER_LOST`` messages in a row (warm-up included) is given up for the rest of the
run and marked so in its row, so a broken path costs a few timeouts, not one per message.
Nothing is asserted.

Run alone: ``.venv/bin/python benchmarks/bench_osc.py [--repeat N]``.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common as c

TITLE = "## OSC link on loopback (issue 5)"
HOST = "127.0.0.1"
SERVER_RCVBUF_BYTES = 1 << 20  # what BridgeServer asks for (SO_RCVBUF)
GIVE_UP_AFTER_LOST = 3  # consecutive unanswered messages after which a path is given up


# ================================================================ parent: run and format


def _namespace_problem() -> str | None:
    if shutil.which("unshare") is None:
        return "`unshare` (util-linux) not found"
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"`unshare -rn` is not permitted here ({probe.stderr.strip() or probe.returncode})"
    return None


def _liblo_version() -> str:
    try:
        out = subprocess.run(["oscdump", "-h"], capture_output=True, text=True, timeout=5)
        first = (out.stdout + out.stderr).strip().splitlines()[0]
        return first.split("version", 1)[1].strip() if "version" in first else first
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def run(*, repeat: int = c.DEFAULT_REPEAT, quick: bool = False, **_) -> str:
    missing = [t for t in ("oscsend", "oscdump") if shutil.which(t) is None]
    if missing:
        why = (f"liblo-tools is missing ({' and '.join(missing)} not on PATH): the OSC benchmark compares our "
               "server with liblo's tools and is skipped. Install it with scripts/setup-system "
               "(Debian: apt-get install liblo-tools; macOS: brew install liblo).")  # fmt: skip
        c.log("!! " + why)
        return f"{TITLE}\n\n**Skipped**: {why}"
    params = {"repeat": max(1, repeat), "pings": 200 if quick else 1000, "spawns": 20 if quick else 100,
              "blast": 5000 if quick else 20000}  # fmt: skip
    problem = _namespace_problem()
    params["oscdump"] = problem is None
    cmd = [sys.executable, str(Path(__file__).resolve()), "--inner", json.dumps(params)]
    if problem is None:
        cmd = ["unshare", "-rn", *cmd]
    else:
        c.log(f"!! {problem}: oscdump would listen on every interface, so the rows that need it are left out")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(c.REPO), str(c.BENCH)]))
    c.log(f"  measuring (pings {params['pings']} × {params['repeat']}, oscsend {params['spawns']} × "
          f"{params['repeat']}, blast {params['blast']} × {params['repeat']})")  # fmt: skip
    r = subprocess.run(cmd, cwd=c.REPO, env=env, capture_output=True, text=True, timeout=900)
    if r.returncode != 0 or not r.stdout.strip():
        tail = "\n".join(r.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"the OSC measurement failed (exit {r.returncode}):\n{tail}")
    for line in r.stderr.splitlines():  # its warnings (a path given up), which the table marks too
        if line.startswith("!!"):
            c.log(line)
    data = json.loads(r.stdout.strip().splitlines()[-1])
    return _format(data, params, problem)


def _us(v: float | None) -> str:
    return "–" if v is None else f"{v * 1e6:.0f}"


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v * 1e3:.2f}"


def _pct(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]


def _format(d: dict, params: dict, problem: str | None) -> str:
    lat = d["latency"]

    def stats(name: str) -> tuple[float | None, float | None, int, int]:
        e = lat.get(name)
        if e is None:
            return None, None, 0, 0
        s = e["samples"]
        return (statistics.median(s) if s else None), _pct(s, 0.99), e["sent"], e["sent"] - len(s)

    def lost_cell(name: str, lost: int) -> str:
        where = lat[name].get("gave_up")
        if where == "warm-up":
            return f"gave up: {GIVE_UP_AFTER_LOST} in a row in warm-up"
        return f"{lost}, gave up: {GIVE_UP_AFTER_LOST} in a row" if where else str(lost)

    rows = []
    specs = [
        ("py_dump", "**peer**: python-osc → `oscdump`, its line read back from the pipe", None, _us),
        ("py_ours", "python-osc → our server `/secondear/ping` → `/secondear/pong` to python-osc", "py_dump", _us),
        ("py_ours_dump", "python-osc → our server → pong to `oscdump` (`reply_to`), line read back", "py_dump", _us),
        ("send_dump", "**peer**: `oscsend` → `oscdump` (a process per message), line read back", None, _ms),
        (
            "send_ours_dump",
            "`oscsend` → our server (`--reply-port`) → pong to `oscdump`, line read back",
            "send_dump",
            _ms,
        ),
    ]
    for key, label, ref, unit in specs:
        if key not in lat:
            rows.append([label, "–", "–", "skipped (no oscdump)", "–", "–", "–"])
            continue
        med, p99, sent, lost = stats(key)
        rmed, rp99, _, _ = stats(ref) if ref else (None, None, 0, 0)
        u = "µs" if unit is _us else "ms"
        rows.append([label, sent, lost_cell(key, lost), f"{unit(med)} {u}", f"{unit(p99)} {u}",
                     c.ratio(med, rmed) if ref else "reference", c.ratio(p99, rp99) if ref else "reference"])  # fmt: skip
    lat_table = c.md_table(["round trip", "sent", "lost", "median", "p99", "median vs peer", "p99 vs peer"],
                           rows, "lrrrrrr")

    spawn = d.get("oscsend_process_s", [])
    spawn_line = (f"`oscsend` process alone (spawn to exit, {len(spawn)} runs): median {_ms(statistics.median(spawn))} ms, "
                  f"p99 {_ms(_pct(spawn, 0.99))} ms, i.e. at most ~{1 / statistics.median(spawn):.0f} messages/s from a "
                  "shell loop; python-osc's own send costs "
                  f"{_us(d['blast'][0]['send_s'] / max(1, d['blast'][0]['sent'])) if d.get('blast') else '–'} µs "
                  "per message (blast below).") if spawn else ""  # fmt: skip

    tp_rows = []
    best = {}
    for name in ("dump", "ours"):
        rounds = [b for b in d.get("blast", []) if b["receiver"] == name]
        if not rounds:
            continue
        b = max(rounds, key=lambda x: x["received_per_s"])
        best[name] = b
        sent_all = sum(x["sent"] for x in rounds)
        lost_all = sum(x["sent"] - x["received"] for x in rounds)
        tp_rows.append((name, b, sent_all, lost_all))
    rows2 = []
    for name, b, sent_all, lost_all in tp_rows:
        label = ("**peer**: `oscdump` (lines on its stdout)" if name == "dump"
                 else "our server (`stats()`: received, decoded)")  # fmt: skip
        ref = best.get("dump")
        extra = ""
        if name == "ours":
            extra = (f"decoded {b['decoded']}, answered {b['handled']}, dropped by the full quick queue "
                     f"{b['dropped_queue_full']}")  # fmt: skip
        rows2.append([label, b["sent"], b["received"], f"{100 * (b['sent'] - b['received']) / b['sent']:.1f} %",
                      f"{b['sent_per_s']:,.0f}", f"{b['received_per_s']:,.0f}",
                      "reference" if name == "dump" else c.ratio(b["received_per_s"], ref["received_per_s"] if ref else None),
                      f"{100 * lost_all / sent_all:.1f} %", extra])  # fmt: skip
    tp_table = c.md_table(["one-way throughput (best round)", "sent", "received", "lost", "sent /s", "received /s",
                           "vs peer", f"lost, all {params['repeat']} round{'s' if params['repeat'] > 1 else ''}", "note"], rows2, "lrrrrrrrl")  # fmt: skip

    env = d["env"]
    notes = [
        f"liblo {env['liblo']} (`oscsend`, `oscdump -L`), python-osc {env['python_osc']}; "
        + ("all processes in one user and network namespace (`unshare -rn`) whose only interface is loopback"
           if problem is None else f"no namespace ({problem}): `oscdump` rows left out")
        + f". Receive buffers there: default {env['rcvbuf_default']} B (oscdump's), our server asks for "
        f"{SERVER_RCVBUF_BYTES} B and gets {env['rcvbuf_server']} B.",
        f"Round trips: {params['pings']} messages per path per round, {params['repeat']} round"
        f"{'s' if params['repeat'] > 1 else ''}, pooled (after 50 unmeasured); `oscsend`: {params['spawns']} per "
        "path per round. Each of our paths is interleaved message by message with its peer (a, b, a, b…), so "
        "load from elsewhere falls on both alike; the python-osc → `oscdump` peer runs beside each of our two "
        "python-osc paths, hence twice the messages. A message with no answer within 1 s (`oscsend`: 2 s) "
        f"counts as lost; a path that loses {GIVE_UP_AFTER_LOST} in a row, warm-up included, is given up for the "
        "rest of the run (\"gave up\" in its lost column). Our server runs in its own process (receive thread "
        "plus two workers, as `secondear daw serve`); `oscsend`'s messages go to a second one started with "
        "`--reply-port` set to `oscdump`'s port (`oscsend` sends each message from a new port, and "
        "`/secondear/reply_to` holds for one sender address and port only). `oscdump`'s \"answer\" is the line "
        "it prints, read from its pipe.",
        f"Throughput: {params['blast']} pre-built python-osc `/secondear/ping` datagrams per round from a separate "
        "process, unpaced; received /s = received ÷ (last arrival − first send; our server's count is sampled "
        "every 0.5 ms in its process). Our server also answers each ping it queues (its quick queue holds "
        "1024; the rest are dropped and counted). The loss depends on each receiver's buffer (above).",
    ]
    return "\n\n".join([TITLE, "\n".join(f"- {n}" for n in notes), lat_table, spawn_line, tp_table]).replace(
        "\n\n\n", "\n\n")  # fmt: skip


# ================================================================ children


def _lo_up() -> None:
    """Bring the namespace's loopback up (``ip link set lo up``) without needing iproute2."""
    import fcntl
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, req)[:18])[1]  # SIOCGIFFLAGS
        if not flags & 1:
            fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, b""))  # SIOCSIFFLAGS, IFF_UP


def _serve(reply_port: int | None) -> int:
    """Child: our BridgeServer on 127.0.0.1 (a free port), driven by lines on stdin; every reply
    goes to ``reply_port`` when it is given (``secondear daw serve --reply-port``)."""
    import threading

    from bridge.osc.dispatch import BridgeSession
    from bridge.osc.server import BridgeServer

    watch_stop = threading.Event()
    last = {"n": -1, "t": 0.0}

    def monitor(srv: BridgeServer) -> None:
        while not watch_stop.is_set():
            n = srv.stats()["received"]
            if n != last["n"]:
                last["n"], last["t"] = n, time.monotonic()
            time.sleep(0.0005)

    with BridgeServer(BridgeSession(version="bench"), host=HOST, port=0, reply_port=reply_port) as srv:
        print(json.dumps({"port": srv.address[1]}), flush=True)
        thread = None
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "stats":
                print(json.dumps(srv.stats()), flush=True)
            elif cmd == "watch":
                watch_stop.clear()
                last["n"] = -1
                thread = threading.Thread(target=monitor, args=(srv,), daemon=True)
                thread.start()
                print("{}", flush=True)
            elif cmd == "unwatch":
                watch_stop.set()
                if thread is not None:
                    thread.join()
                print(json.dumps({"last_change_t": last["t"], "stats": srv.stats()}), flush=True)
            elif cmd == "quit":
                break
    return 0


def _blast(port: int, n: int) -> int:
    """Child: python-osc sender; builds ``n`` datagrams, waits for "go", sends them unpaced."""
    from pythonosc.osc_message_builder import OscMessageBuilder
    from pythonosc.udp_client import SimpleUDPClient

    msgs = [OscMessageBuilder("/secondear/ping").build() for _ in range(n)]
    client = SimpleUDPClient(HOST, port)
    print("ready", flush=True)
    sys.stdin.readline()
    t0 = time.monotonic()
    sent = 0
    for m in msgs:
        try:
            client.send(m)
            sent += 1
        except BlockingIOError:  # the socket is non-blocking: a full send buffer drops it here
            pass
    t1 = time.monotonic()
    print(json.dumps({"t0": t0, "t1": t1, "sent": sent}), flush=True)
    client.close()
    return 0


# ================================================================ inner: the measurements


class _Lines:
    """Reads a child's stdout pipe directly (no thread), counting and returning lines."""

    def __init__(self, stream) -> None:
        self.fd = stream.fileno()
        self.buf = b""

    def wait_line(self, timeout_s: float) -> bytes | None:
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def drain(self) -> int:
        """Discard what is waiting; returns the lines discarded."""
        n = 0
        while select.select([self.fd], [], [], 0)[0]:
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                break
            n += chunk.count(b"\n")
        n += self.buf.count(b"\n")
        self.buf = b""
        return n


class _Child:
    def __init__(self, args: list[str], log_path: str) -> None:
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.out = _Lines(self.proc.stdout)

    def ask(self, cmd: str, timeout_s: float = 10.0) -> dict:
        self.proc.stdin.write((cmd + "\n").encode())
        self.proc.stdin.flush()
        line = self.out.wait_line(timeout_s)
        if line is None:
            raise RuntimeError(f"child {self.proc.args} did not answer {cmd!r}")
        return json.loads(line)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _inner(params: dict) -> int:
    from importlib.metadata import version

    from pythonosc.osc_message import OscMessage
    from pythonosc.osc_message_builder import OscMessageBuilder
    from pythonosc.udp_client import SimpleUDPClient

    use_dump = params["oscdump"]
    if use_dump:
        _lo_up()
    me = str(Path(__file__).resolve())
    logdir = tempfile.mkdtemp(prefix="secondear-bench-osc-")
    log_path = os.path.join(logdir, "children.log")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        rcv_default = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SERVER_RCVBUF_BYTES)
        rcv_server = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    out: dict = {"env": {"liblo": _liblo_version(), "python_osc": version("python-osc"),
                         "rcvbuf_default": rcv_default, "rcvbuf_server": rcv_server},
                 "latency": {}, "blast": [], "oscsend_process_s": []}  # fmt: skip
    lat = out["latency"]

    server = _Child([sys.executable, me, "--serve"], log_path)
    dump = send_server = None
    try:
        port = json.loads(server.out.wait_line(30) or b"{}")["port"]
        dump_port = _free_port()
        if use_dump:
            dump = subprocess.Popen(["oscdump", "-L", str(dump_port)], stdout=subprocess.PIPE,
                                    stderr=open(log_path, "ab"))  # fmt: skip
            dump_lines = _Lines(dump.stdout)
            send_server = _Child([sys.executable, me, "--serve", str(dump_port)], log_path)
            send_port = json.loads(send_server.out.wait_line(30) or b"{}")["port"]
        client = SimpleUDPClient(HOST, port)  # to our server
        to_dump = SimpleUDPClient(HOST, dump_port)
        ping = OscMessageBuilder("/secondear/ping").build()

        def reply_to(p: int) -> None:
            b = OscMessageBuilder("/secondear/reply_to")
            b.add_arg(p)
            client.send(b.build())
            if p:
                dump_lines.wait_line(2.0)  # "/secondear/ok reply_to" goes to oscdump
            else:
                client.receive(2.0)

        def py_ours() -> float | None:
            t0 = time.perf_counter()
            client.send(ping)
            data = client.receive(1.0)
            if not data:
                return None
            OscMessage(data)  # a client decodes the pong
            return time.perf_counter() - t0

        def py_dump() -> float | None:
            t0 = time.perf_counter()
            to_dump.send(ping)
            return None if dump_lines.wait_line(1.0) is None else time.perf_counter() - t0

        def py_ours_dump() -> float | None:
            t0 = time.perf_counter()
            client.send(ping)
            return None if dump_lines.wait_line(1.0) is None else time.perf_counter() - t0

        def dump_line() -> bytes | None:
            return dump_lines.wait_line(2.0)

        def oscsend(port_: int, waiter) -> float | None:
            t0 = time.perf_counter()
            r = subprocess.run(["oscsend", HOST, str(port_), "/secondear/ping"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
            if not warming["on"]:
                out["oscsend_process_s"].append(time.perf_counter() - t0)
            if r.returncode != 0:
                return None
            return None if waiter() is None else time.perf_counter() - t0

        warming = {"on": False}

        def lost_one(key: str, e: dict, where: str) -> None:
            """Count an unanswered message; ``GIVE_UP_AFTER_LOST`` in a row give the path up."""
            e["lost_in_a_row"] += 1
            if e["lost_in_a_row"] >= GIVE_UP_AFTER_LOST:
                e["gave_up"] = where
                c.log(f"!! {key}: {GIVE_UP_AFTER_LOST} messages in a row unanswered ({where}): given up "
                      "for the rest of the run")  # fmt: skip

        def measure(paths: dict, n: int, warm: int = 50) -> None:
            """``n`` messages on each path, interleaved (a, b, a, b…) so that load from elsewhere
            on the machine falls on the paths alike; ``warm`` unmeasured ones first, once. A path
            given up (``lost_one``) is skipped."""
            warming["on"] = True
            for key, fn in paths.items():
                if key in lat:
                    continue
                e = lat[key] = {"sent": 0, "samples": [], "lost_in_a_row": 0, "gave_up": None}
                for _ in range(warm):
                    if fn() is None:
                        lost_one(key, e, "warm-up")
                        if e["gave_up"]:
                            break
                    else:
                        e["lost_in_a_row"] = 0
            warming["on"] = False
            for _ in range(n):
                for key, fn in paths.items():
                    e = lat[key]
                    if e["gave_up"]:
                        continue
                    e["sent"] += 1
                    v = fn()
                    if v is None:
                        lost_one(key, e, "measured")
                    else:
                        e["lost_in_a_row"] = 0
                        e["samples"].append(v)
            if use_dump:
                dump_lines.drain()
            client.receive(0.01)

        def blast(receiver: str) -> None:
            target = dump_port if receiver == "dump" else port
            sender = _Child([sys.executable, me, "--blast", str(target), str(params["blast"])], log_path)
            try:
                if sender.out.wait_line(30) != b"ready":
                    raise RuntimeError("the blast sender did not start")
                if receiver == "ours":
                    before = server.ask("stats")
                    server.ask("watch")
                else:
                    dump_lines.drain()
                sender.proc.stdin.write(b"go\n")
                sender.proc.stdin.flush()
                received, last_t, done = 0, 0.0, None
                quiet_since = None
                while True:
                    fds = [sender.out.fd] if done is None else []
                    if receiver == "dump":
                        fds.append(dump_lines.fd)
                    ready = select.select(fds, [], [], 0.05)[0] if fds else (time.sleep(0.05) or [])
                    now = time.monotonic()
                    if receiver == "dump" and dump_lines.fd in ready:
                        chunk = os.read(dump_lines.fd, 1 << 20)
                        received += chunk.count(b"\n")
                        last_t, quiet_since = now, None
                    if sender.out.fd in ready and done is None:
                        line = sender.out.wait_line(5.0)
                        done = json.loads(line)
                    if done is not None:
                        if receiver == "ours":
                            n = server.ask("stats")["received"] - before["received"]
                            if n != received:
                                received, quiet_since = n, None
                        if quiet_since is None:
                            quiet_since = now
                        elif now - quiet_since > 0.4:
                            break
                if receiver == "ours":
                    w = server.ask("unwatch")
                    last_t = w["last_change_t"]
                    st = w["stats"]
                    delta = {k: st[k] - before[k] for k in st if k in before}
                    received = delta["received"]
                    failed = sum(delta[k] for k in ("malformed", "oversized", "oversized_bundle", "dropped_sender"))
                    extra = {"decoded": received - failed, "handled": delta["handled"],
                             "dropped_queue_full": delta["dropped_quick_queue_full"]}  # fmt: skip
                    time.sleep(0.3)  # let the queued pongs go out before the next round
                else:
                    extra = {}
                span = max(1e-9, last_t - done["t0"])
                out["blast"].append({"receiver": receiver, "sent": done["sent"], "received": received,
                                     "send_s": done["t1"] - done["t0"],
                                     "sent_per_s": done["sent"] / max(1e-9, done["t1"] - done["t0"]),
                                     "received_per_s": received / span, **extra})  # fmt: skip
            finally:
                sender.close()

        time.sleep(0.3)  # oscdump binding
        for round_ in range(params["repeat"]):
            c.log(f"  round {round_ + 1}/{params['repeat']}")
            if not use_dump:
                measure({"py_ours": py_ours}, params["pings"])
            else:
                measure({"py_dump": py_dump, "py_ours": py_ours}, params["pings"])
                reply_to(dump_port)  # our server's pongs now go to oscdump
                measure({"py_dump": py_dump, "py_ours_dump": py_ours_dump}, params["pings"])
                measure({"send_dump": lambda: oscsend(dump_port, dump_line),
                         "send_ours_dump": lambda: oscsend(send_port, dump_line)}, params["spawns"], warm=5)  # fmt: skip
                reply_to(0)
                blast("dump")
            blast("ours")
        client.close()
        to_dump.close()
    finally:
        if dump is not None:
            dump.terminate()
            try:
                dump.wait(timeout=5)
            except subprocess.TimeoutExpired:
                dump.kill()
                dump.wait()
        if send_server is not None:
            send_server.close()
        server.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--serve":
        sys.exit(_serve(int(sys.argv[2]) if len(sys.argv) >= 3 else None))
    if len(sys.argv) >= 4 and sys.argv[1] == "--blast":
        sys.exit(_blast(int(sys.argv[2]), int(sys.argv[3])))
    if len(sys.argv) >= 3 and sys.argv[1] == "--inner":
        sys.exit(_inner(json.loads(sys.argv[2])))
    c.main_with_repeat(run, __doc__)
