"""A render killed while its plugin hangs leaves nothing running (issue 11, item 10): the
plugin's worker dies with its parent (the kernel's parent-death signal, and a watch on the
parent), and so multiprocessing's resource tracker, which waits for the worker, ends too.
Ctrl+C during the hang ends the render at once (the 60 s plugin timeout is not waited for).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge.plugins import fetch_cache_dir

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import sys
import numpy as np
from bridge.plugins.host import ChainHost, PluginSlot

if __name__ == "__main__":
    x = np.zeros((2, 48000), dtype=np.float32)
    with ChainHost(timeout_s=60.0) as h:
        h.render(x, 48000, [PluginSlot(path=sys.argv[1], parameters={"trigger": 0.0})])  # the worker is up
        print("rendering", flush=True)
        h.render(x, 48000, [PluginSlot(path=sys.argv[1], parameters={"trigger": 1.0})])
"""


def _hang_plugin() -> str:
    path = fetch_cache_dir() / "test-vst3" / "SecondEarHang.vst3"
    if not any(path.glob("Contents/*-linux/*.so")):
        pytest.skip(f"the test plugin SecondEarHang is not built in {path.parent}: run scripts/build-test-plugins")
    return str(path)


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _start(tmp_path):
    script = tmp_path / "hang_render.py"
    script.write_text(SCRIPT)
    p = subprocess.Popen([sys.executable, str(script), _hang_plugin()], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert p.stdout.readline().strip() == "rendering"
    deadline = time.monotonic() + 60
    kids: set[int] = set()
    while time.monotonic() < deadline and len(kids) < 2:  # the worker and the resource tracker
        time.sleep(0.2)
        kids = {k for k in _children(p.pid) if _running(k)}
    time.sleep(3.0)  # the worker reaches the hanging call
    assert len(kids) >= 2, kids
    return p, kids


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = {k for k in pids if _running(k)}
        if not left:
            return set()
        time.sleep(0.1)
    return {k for k in pids if _running(k)}


def test_sigkill_of_the_render_takes_the_worker_and_tracker_along(tmp_path):
    p, kids = _start(tmp_path)
    p.kill()
    p.wait(10)
    left = _gone_within(kids, 10.0)
    for k in left:  # never leave them behind, whatever the outcome
        os.kill(k, signal.SIGKILL)
    assert left == set()


def test_ctrl_c_during_a_hang_ends_the_render_at_once(tmp_path):
    p, kids = _start(tmp_path)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    try:
        p.wait(15)  # the plugin's own timeout is 60 s
    finally:
        if p.poll() is None:
            p.kill()
    took = time.monotonic() - t0
    left = _gone_within(kids, 10.0)
    for k in left:
        os.kill(k, signal.SIGKILL)
    assert took < 15 and left == set()
