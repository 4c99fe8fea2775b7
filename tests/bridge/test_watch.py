"""The watched folder (bridge/watch.py) and ``secondear daw watch``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from bridge.watch import watch_folder
from tests.signals import pink_noise, write_float_wav

ROOT = Path(__file__).resolve().parents[2]


class Watcher:
    def __init__(self, folder: Path, **kw) -> None:
        self.seen: list[tuple[Path, int]] = []
        self.stop = threading.Event()
        self.result: list[int] = []

        def on_new(p: Path) -> None:
            self.seen.append((p, p.stat().st_size))

        self.thread = threading.Thread(target=lambda: self.result.append(
            watch_folder(folder, on_new, stop_event=self.stop, **kw)), daemon=True)  # fmt: skip
        self.thread.start()

    def wait_for(self, n: int, timeout_s: float = 5.0) -> None:
        end = time.monotonic() + timeout_s
        while len(self.seen) < n and time.monotonic() < end:
            time.sleep(0.02)

    def close(self) -> int:
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()
        return self.result[0]


def test_new_file_once_settled_and_only_once(tmp_path):
    (tmp_path / "old.wav").write_bytes(b"RIFF" + b"\0" * 100)  # present at start: ignored
    w = Watcher(tmp_path, poll_s=0.02, settle_s=0.3)
    try:
        time.sleep(0.1)
        (tmp_path / "notes.txt").write_text("not audio")
        (tmp_path / ".hidden.wav").write_bytes(b"x" * 10)
        growing = tmp_path / "bounce.wav"
        with open(growing, "wb") as fh:  # written in pieces, 0.1 s apart (< settle_s)
            for _ in range(6):
                fh.write(b"\1" * 1000)
                fh.flush()
                time.sleep(0.1)
                assert w.seen == [], "a bounce still being written was handed over"
        w.wait_for(1)
        assert [(p.name, size) for p, size in w.seen] == [("bounce.wav", 6000)]
        time.sleep(0.5)
        assert len(w.seen) == 1, "read twice though it did not change"
        with open(growing, "ab") as fh:  # changed: read again
            fh.write(b"\2" * 500)
        w.wait_for(2)
        assert [(p.name, size) for p, size in w.seen] == [("bounce.wav", 6000), ("bounce.wav", 6500)]
    finally:
        n = w.close()
    assert n == 2


def test_stops_promptly_and_missing_folder(tmp_path):
    w = Watcher(tmp_path, poll_s=0.05, settle_s=0.1)
    t0 = time.monotonic()
    assert w.close() == 0
    assert time.monotonic() - t0 < 1.0
    try:
        watch_folder(tmp_path / "nope", print, stop_event=threading.Event())
    except NotADirectoryError as exc:
        assert "nope" in str(exc)
    else:
        raise AssertionError("a missing folder was watched")


def test_cli_watch_json_lines_and_sigterm(tmp_path):
    folder = tmp_path / "bounces"
    folder.mkdir()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "daw", "watch", str(folder), "--json",
                             "--poll", "0.05", "--settle", "0.3"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        ready = proc.stderr.readline()  # printed once the files already there are noted
        assert "watching" in ready, ready
        audio = pink_noise(np.random.default_rng(1), 3.0, 48000, level_dbfs=-14.0)
        tmp = tmp_path / "b.wav"
        write_float_wav(tmp, audio, 48000)
        os.replace(tmp, folder / "mix.wav")
        (folder / "readme.txt").write_text("ignored")
        line = ""
        end = time.monotonic() + 60
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        while not line and time.monotonic() < end and proc.poll() is None:
            if sel.select(timeout=0.5):
                line = proc.stdout.readline()
        assert line, f"no line; stderr: {proc.stderr.read() if proc.poll() is not None else ''}"
        rec = json.loads(line)
        assert rec["path"].endswith("mix.wav")
        assert rec["integrated_lufs"] is not None and -20 < rec["integrated_lufs"] < -5
        assert isinstance(rec["suggestions"], list)
        for s in rec["suggestions"]:
            assert {"id", "kind", "move", "why"} <= set(s)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "1 bounce(s) analyzed" in err
    assert out.strip() == ""  # nothing else, readme.txt ignored
