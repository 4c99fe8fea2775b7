"""A real headless Ardour 7 session for tests (recipe: shared/reference/ardour-headless.md).

:func:`start_ardour` makes a fresh session in a temporary folder: track "Vox" carrying a real
VST3 (ZamCompX2 from the fetched plugin folder), the OSC surface on, its port read from
``osc_url``; the Lua script (``vox_session.lua`` next to this file) says "ready" over OSC and
exits when the stop file appears. Skips with a how-to when ``ardour7-lua``, the VST3 scanner
or the plugin is missing. :meth:`ArdourSession.stop` ends it and its process group.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage

from bridge.plugins.discovery import fetched_plugin_folder
from tests.signals import require_executable

LUA = Path(__file__).resolve().parent / "vox_session.lua"
SCANNER = Path("/usr/lib/ardour7/ardour-vst3-scanner")
OSC_ON = ('<Protocol name="Open Sound Control (OSC)" active="1" debugmode="0" address-only="0" '
          'remote-port="8000" banksize="0" striptypes="31" feedback="0" gainmode="0" '
          'send-page-size="0" plug-page-size="0"/>')  # fmt: skip


class ArdourSession:
    def __init__(self, proc: subprocess.Popen, port: int, stop_file: Path, started_s: float, log: Path) -> None:
        self.proc, self.port, self.stop_file, self.started_s, self.log = proc, port, stop_file, started_s, log

    def stop(self) -> float:
        """Stop by the stop file, else SIGTERM, else SIGKILL to its process group; seconds taken."""
        t0 = time.monotonic()
        self.stop_file.write_text("")
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
            try:
                self.proc.wait(timeout=6 if sig is None else 3)
                break
            except subprocess.TimeoutExpired:
                continue
        return time.monotonic() - t0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_ardour(tmp: Path, plugin: str = "ZamCompX2") -> ArdourSession:
    lua = require_executable("ardour7-lua")
    new_session = require_executable("ardour7-new_session")
    if not SCANNER.exists():
        pytest.skip(f"{SCANNER} is missing: run scripts/setup-system (Debian's ardour package)")
    vst = fetched_plugin_folder()
    bundle = vst / f"{plugin}.vst3"
    if not bundle.exists():
        pytest.skip(f"{bundle} is missing: run scripts/fetch-plugins (CI runs it via scripts/setup-system)")
    cfg, cache = tmp / "config", tmp / "cache"
    (cfg / "ardour7").mkdir(parents=True)
    cache.mkdir()
    env = dict(os.environ, XDG_CONFIG_HOME=str(cfg), XDG_CACHE_HOME=str(cache), VST3_PATH=str(vst))
    t0 = time.monotonic()
    subprocess.run([str(SCANNER), "-q", str(bundle)], env=dict(env, LD_LIBRARY_PATH="/usr/lib/ardour7"),
                   check=True, timeout=30, capture_output=True)  # fmt: skip
    subprocess.run([new_session, str(tmp / "sess"), "vox"], env=env, check=True, timeout=60, capture_output=True)
    doc = tmp / "sess" / "vox.ardour"
    text, n = re.subn(r'<Protocol name="Open Sound Control \(OSC\)" active="0"/>', OSC_ON, doc.read_text())
    assert n == 1, "the new session has no inactive OSC protocol line to turn on"
    doc.write_text(text)
    osc_url = cfg / "ardour7" / "osc_url"
    osc_url.write_text("")
    ready = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ready.bind(("127.0.0.1", 0))
    stop_file = tmp / "stop"
    log = tmp / "ardour.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([lua, str(LUA), str(tmp / "sess"), "vox", plugin, str(ready.getsockname()[1]),
                                 str(stop_file)], env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=tmp)  # fmt: skip
    session = ArdourSession(proc, 0, stop_file, 0.0, log)
    try:
        ready.settimeout(20)
        msg = OscMessage(ready.recvfrom(65536)[0])
        assert msg.address == "/test/ready", msg.address
        assert msg.params[0] == "ready", f"the session says {msg.params}: {log.read_text()[-2000:]}"
        session.started_s = time.monotonic() - t0
        m = re.search(r":(\d+)/?\s*$", osc_url.read_text())
        assert m, f"osc_url holds {osc_url.read_text()!r}"
        session.port = int(m.group(1))
    except BaseException:
        session.stop()
        raise
    finally:
        ready.close()
    return session
