"""The DAW-side helper scripts in scripts/daw/.

The Ardour action script runs for real in a headless Ardour 7 session (ardour7-lua): it exports
the track "Vox" over one second to a WAV file and sends /secondear/analyze to the bridge's own
server, which measures it. Both Lua files are compiled by Ardour's Lua (``loadfile``: a syntax
check; Debian's luac is not installed). The REAPER script is checked against the documented
protocol only: its oscsend call's address, type tags and arguments.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path


from bridge.osc.dispatch import BridgeSession
from bridge.osc.server import BridgeServer
from tests.signals import require_executable

ROOT = Path(__file__).resolve().parents[2]
ARDOUR_SCRIPT = ROOT / "scripts" / "daw" / "ardour_export_to_secondear.lua"
REAPER_SCRIPT = ROOT / "scripts" / "daw" / "reaper_render_to_secondear.lua"

PARSE = 'for i = 1, #arg do local f, err = loadfile(arg[i]); print(f and ("PARSE-OK " .. arg[i]) or ("PARSE-ERR " .. err)) end\n'

# Runs an EditorAction script headless: a session with tracks Vox and Gtr, then factory(params)().
HARNESS = r'''
local dir, name, script, url, folder = arg[1], arg[2], arg[3], arg[4], arg[5]
function ardour (descriptor) ACTION_DESCRIPTOR = descriptor end
AudioEngine:set_backend ("None (Dummy)", "", "")
local s = load_session (dir, name)
assert (s, "cannot load the session " .. tostring (dir))
Session = s
s:new_audio_track (1, 2, nil, 1, "Vox", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
s:new_audio_track (1, 2, nil, 1, "Gtr", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
dofile (script)
assert (ACTION_DESCRIPTOR and ACTION_DESCRIPTOR["type"] == "EditorAction", "no EditorAction header")
assert (action_params ()["url"], "no url parameter")
factory ({ track = "Vox", start = 0, ["end"] = s:nominal_sample_rate (), url = url, folder = folder })()
close_session ()
'''


def _env(tmp: Path) -> dict[str, str]:
    cfg, cache = tmp / "config", tmp / "cache"
    (cfg / "ardour7").mkdir(parents=True, exist_ok=True)
    cache.mkdir(exist_ok=True)
    return dict(os.environ, XDG_CONFIG_HOME=str(cfg), XDG_CACHE_HOME=str(cache))


def start_export_action(tmp_path: Path, url: str, log) -> tuple[subprocess.Popen, Path]:
    """Make a headless Ardour session (tracks Vox, Gtr) and run the export action in Ardour's
    Lua interpreter, sending to ``url``; returns the process and the export folder."""
    lua = require_executable("ardour7-lua")
    new_session = require_executable("ardour7-new_session")
    env = _env(tmp_path)
    subprocess.run([new_session, str(tmp_path / "sess"), "s"], env=env, check=True, timeout=60, capture_output=True)
    harness = tmp_path / "harness.lua"
    harness.write_text(HARNESS)
    export = tmp_path / "export"
    export.mkdir()
    proc = subprocess.Popen([lua, str(harness), str(tmp_path / "sess"), "s", str(ARDOUR_SCRIPT), url, str(export)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
                            start_new_session=True)  # fmt: skip
    return proc, export


def stop_export_action(proc: subprocess.Popen, timeout_s: float) -> None:
    """Wait for the Lua process, then kill its process group if it is still there."""
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        pass
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()


def test_lua_scripts_compile(tmp_path):
    lua = require_executable("ardour7-lua")
    probe = tmp_path / "parse.lua"
    probe.write_text(PARSE)
    out = subprocess.run([lua, str(probe), str(ARDOUR_SCRIPT), str(REAPER_SCRIPT)], env=_env(tmp_path),
                         capture_output=True, text=True, timeout=60, cwd=tmp_path, start_new_session=True)  # fmt: skip
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("PARSE-")]
    assert lines == [f"PARSE-OK {ARDOUR_SCRIPT}", f"PARSE-OK {REAPER_SCRIPT}"], out.stdout + out.stderr


def test_ardour_header_is_an_editor_action():
    text = ARDOUR_SCRIPT.read_text()
    assert re.match(r'ardour\s*\{\s*\["type"\]\s*=\s*"EditorAction",\s*name\s*=', text)
    assert "description" in text.split("}", 1)[0] or "description =" in text[:400]
    assert 'send ("/secondear/analyze", "ss", name, path)' in text


def test_ardour_script_exports_and_bridge_receives_analyze(tmp_path):
    # Ardour's luasession sometimes dies in free() under load before the script's send; that
    # crash (printed in its log) is Ardour's, so one such run is tried again, never more
    for attempt in range(2):
        run_dir = tmp_path / f"run{attempt}"
        run_dir.mkdir()
        session = BridgeSession(version="test")
        with BridgeServer(session, host="127.0.0.1", port=0) as server:
            host, port = server.address
            with open(run_dir / "ardour.log", "w") as log:
                proc, export = start_export_action(run_dir, f"osc.udp://127.0.0.1:{port}/", log)
                stop_export_action(proc, 90)
            end = time.monotonic() + 20
            while session.selected is None and time.monotonic() < end:
                time.sleep(0.05)
            stats = server.stats()
        logtext = (run_dir / "ardour.log").read_text()
        if session.selected is None and stats["received"] == 0 and "free(): invalid pointer" in logtext:
            continue
        break
    files = sorted(export.glob("secondear-Vox-*.wav"))
    assert len(files) == 1, logtext[-3000:]
    assert files[0].stat().st_size > 44 + 48000  # one second of audio at least (16-bit or more)
    # the script's own "Second Ear: exported" line is not asserted: luasession's buffered
    # output is lost when it dies at exit; the exported file above and the message the bridge
    # received below are the evidence
    assert session.selected == "Vox", (stats, logtext[-2000:])


def test_reaper_script_follows_the_protocol():
    text = REAPER_SCRIPT.read_text()
    for api in ("reaper.GetSelectedTrack(0, 0)", "reaper.GetTrackName(", 'GetSetProjectInfo_String(0, "RENDER_TARGETS"',
                "reaper.Main_OnCommand(41824, 0)", 'GetSetProjectInfo(0, "RENDER_SETTINGS", 2, true)'):  # fmt: skip
        assert api in text, api
    m = re.search(r'table\.concat\(\{\s*OSCSEND,\s*HOST,\s*PORT,\s*"([^"]+)",\s*"([^"]+)",\s*([^}]*)\}', text)
    assert m, "no oscsend command line"
    address, tags, rest = m.group(1), m.group(2), [a.strip() for a in m.group(3).split(",")]
    assert address == "/secondear/analyze"
    assert tags == "ss" and len(rest) == len(tags) == 2
    assert rest == ["shell_quote(name)", "shell_quote(path)"]
    assert 'HOST, PORT = "127.0.0.1", "9000"' in text
    assert "os.execute(cmd)" in text
    from bridge.osc.codec import decode_message

    ev = decode_message(address, ["Vox", "/tmp/vox.wav"])  # what oscsend puts on the wire
    assert type(ev).__name__ == "Analyze" and ev.track == "Vox" and ev.path == "/tmp/vox.wav"
