"""Interop with liblo's ``oscsend`` and ``oscdump`` (Debian ``liblo-tools``), both ways.

``oscdump`` can only listen on every interface (a host in its URL means a multicast group),
so each test runs inside a fresh user and network namespace (``unshare -rn``) whose only
interface is loopback: nothing it opens is reachable from outside. The bridge's server,
oscsend and oscdump all run in that namespace; the script prints what oscdump heard.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from signals import require_executable

ROOT = Path(__file__).resolve().parents[3]

# Runs inside the namespace: the bridge's server on 127.0.0.1, oscdump on another port, the
# reply target set with /secondear/reply_to; prints oscdump's lines and the server's counters.
INNER = r"""
import fcntl, json, socket, struct, subprocess, sys, time

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # bring loopback up (ip link set lo up)
    flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH14s", b"lo", 0, b""))[:18])[1]
    fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, b""))  # SIOCSIFFLAGS, IFF_UP
import numpy as np
from bridge.osc.dispatch import BridgeSession
from bridge.osc.server import BridgeServer
from signals import pink_noise, sine, write_wav16

wav = sys.argv[1]
x = pink_noise(np.random.default_rng(1), 3.0, 48000, level_dbfs=-20.0) + sine(40.0, -12.0, 3.0, 48000)
write_wav16(wav, x, 48000)

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

dump_port = free_port()
dump = subprocess.Popen(["oscdump", "-L", str(dump_port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
lines = []
try:
    with BridgeServer(BridgeSession(version="9.9.9"), port=0) as srv:
        host, port = srv.address
        def send(*args):
            subprocess.run(["oscsend", host, str(port), *args], check=True, timeout=10)
        time.sleep(0.3)  # oscdump binding
        send("/secondear/reply_to", "i", str(dump_port))
        send("/secondear/ping")
        send("/secondear/analyze", "ss", "Vox", wav)
        send("/secondear/accept", "s", "hpf")
        send("/secondear/select", "f", "1.5")
        send("/secondear/nope")
        deadline = time.monotonic() + 15  # ping, analyze and accept reach the workers
        while time.monotonic() < deadline and srv.stats()["handled"] < 3:
            time.sleep(0.05)
        time.sleep(0.3)
        stats = srv.stats()
finally:
    dump.terminate()
    out, _ = dump.communicate(timeout=5)
lines = [ln.split(" ", 1)[1] if ln[:1].isalnum() and " /" in ln else ln for ln in out.splitlines()]
print(json.dumps({"lines": lines, "stats": stats}))
"""


def _in_namespace(tmp_path) -> dict:
    require_executable("oscsend")
    require_executable("oscdump")
    require_executable("unshare")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -rn (a user and network namespace, so oscdump sees loopback only) "
                    f"is not permitted here: {probe.stderr.strip()}")  # fmt: skip
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    run = subprocess.run(["unshare", "-rn", sys.executable, "-c", INNER, str(tmp_path / "vox.wav")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_oscsend_to_the_bridge_and_replies_to_oscdump(tmp_path):
    got = _in_namespace(tmp_path)
    lines, stats = got["lines"], got["stats"]
    text = "\n".join(lines)
    # oscsend -> bridge: every message arrived and was decoded
    assert stats["received"] == 6 and stats["malformed"] == 0, stats
    assert stats["unknown_address"] == 1 and stats["bad_arguments"] == 1
    # bridge -> oscdump: the replies, in liblo's rendering
    assert '/secondear/ok s "reply_to"' in text
    assert '/secondear/pong s "9.9.9"' in text
    summary = next(line for line in lines if line.startswith("/secondear/summary"))
    assert summary.startswith('/secondear/summary sffi "Vox" -')
    assert any(line.startswith('/secondear/suggestion ssss "Vox" "hpf" "highpass"') for line in lines), text
    assert '/secondear/ok s "hpf"' in text
    assert any(line.startswith('/secondear/error ss "/secondear/select"') for line in lines), text
    assert any(line.startswith('/secondear/error ss "/secondear/nope"') for line in lines), text
