"""The OSC server under hostile input (issue 11, items 1, 5 and 10's analyze answers).

A path swapped between a WAV and a FIFO by ``rename()`` while it is analyzed: the server
keeps answering ping and stops on close (it froze for good within a few requests: the path
was checked, then opened again by the decoder, which blocked on the FIFO holding the GIL).
Datagrams whose type tags python-osc does not read: refused, counted, logged once a second
(python-osc logged one root-logger line per skipped argument). Outside the allowed
folders, a missing file and a file that is not audio get the same answer.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import numpy as np
import pytest
import soundfile

from bridge.osc import server as server_module
from bridge.osc.dispatch import BridgeSession
from bridge.osc.server import BridgeServer
from tests.bridge.osc.oscpeer import Client, msg

RATE = 48000


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_path_swapped_with_a_fifo_never_freezes_the_server(tmp_path):
    wav, path = tmp_path / "a.wav", tmp_path / "track.wav"
    soundfile.write(wav, (np.random.default_rng(1).standard_normal((RATE // 2, 2)) * 0.1).astype(np.float32), RATE)
    stop = threading.Event()

    def swap() -> None:  # the path is a WAV, then a FIFO, then a WAV again…, by rename()
        staged_wav, staged_fifo = tmp_path / "w.tmp", tmp_path / "f.tmp"
        while not stop.is_set():
            staged_wav.write_bytes(wav.read_bytes())
            os.replace(staged_wav, path)
            time.sleep(0.002)
            if not staged_fifo.exists():
                os.mkfifo(staged_fifo)
            os.replace(staged_fifo, path)
            time.sleep(0.002)

    swapper = threading.Thread(target=swap, daemon=True)
    s = BridgeServer(BridgeSession(), port=0).start()
    c = Client(s)
    answered, errors, summaries = 0, 0, 0
    try:
        swapper.start()
        for i in range(20):
            c.send(msg("/secondear/analyze", f"t{i}", str(path)))
            reply = c.recv(30.0)
            assert reply is not None, f"no answer to analyze {i}: the server froze"
            summaries += reply.address == "/secondear/summary"
            errors += reply.address == "/secondear/error"
            while c.recv(0.05) is not None:  # the suggestions after a summary
                pass
            (pong,) = c.ask(msg("/secondear/ping"), timeout_s=10.0)
            answered += pong.address == "/secondear/pong"
    finally:
        stop.set()
        swapper.join(5)
        t0 = time.monotonic()
        s.close(timeout_s=10.0)
        closed_in = time.monotonic() - t0
        c.close()
    assert answered == 20 and summaries + errors == 20
    assert closed_in < 10.0 and not any(t.is_alive() for t in threading.enumerate() if t.name.startswith("secondear-osc"))


def test_a_flood_of_unknown_type_tags_is_one_line_a_second(server, client):
    """100 datagrams of ``,ccc…`` (8 000 arguments each): refused as malformed and counted;
    the log gets at most a line or two, not 800 000; ping still answers."""
    counter = _Count()
    root = logging.getLogger()
    root.addHandler(counter)
    try:
        data = b"/secondear/ping\x00" + (b"," + b"c" * 7998 + b"\x00")[:8000]
        data += b"\x00" * (-len(data) % 4)
        for _ in range(100):
            client.send(data)
        (pong,) = client.ask(msg("/secondear/ping"))
    finally:
        root.removeHandler(counter)
    assert pong.address == "/secondear/pong"
    assert server.stats()["malformed"] >= 50  # the kernel may drop some of a burst
    assert len(counter.records) <= 3


def test_python_osc_root_logger_warnings_are_rate_limited(server):
    """Whatever python-osc logs on the root logger while a server runs: one line per kind per
    second, the rest counted into the next line."""
    counter = _Count()
    root = logging.getLogger()
    root.addHandler(counter)
    try:
        for _ in range(1000):
            root.handle(root.makeRecord("root", logging.WARNING, "/x/site-packages/pythonosc/osc_message.py", 85,
                                        "Unhandled parameter type: c", (), None))  # fmt: skip
        root.handle(root.makeRecord("root", logging.WARNING, "/x/app.py", 1, "someone else's warning", (), None))
    finally:
        root.removeHandler(counter)
    assert [r.getMessage() for r in counter.records] == ["Unhandled parameter type: c", "someone else's warning"]
    assert server_module._LIBRARY_LOG_LIMIT in root.filters


def test_outside_the_folders_missing_and_not_audio_get_one_answer(tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    (outside / "notes.wav").write_text("not audio")
    soundfile.write(inside / "ok.wav", np.zeros((RATE // 4, 1), dtype=np.float32), RATE)
    with BridgeServer(BridgeSession(folders=[str(inside)]), port=0) as s:
        c = Client(s)
        answers = []
        for p in (outside / "notes.wav", outside / "missing.wav", inside / ".." / "out" / "notes.wav"):
            (err,) = c.ask(msg("/secondear/analyze", "t", str(p)))
            answers.append((err.address, err.params[1].replace(str(p), "PATH")))
        (ok,) = c.ask(msg("/secondear/analyze", "t", str(inside / "ok.wav")))[:1]
        (missing_inside,) = c.ask(msg("/secondear/analyze", "t", str(inside / "missing.wav")))
        c.close()
    assert len(set(answers)) == 1 and answers[0][0] == "/secondear/error"
    assert "reads audio only under" in answers[0][1]
    assert ok.address == "/secondear/summary" and "no such file" in missing_inside.params[1]


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_what_is_not_a_regular_file_is_refused_at_once(server, client, tmp_path, kind):
    target = {"fifo": tmp_path / "p", "folder": tmp_path, "device": "/dev/zero"}[kind]
    if kind == "fifo":
        os.mkfifo(target)
    (err,) = client.ask(msg("/secondear/analyze", "t", str(target)), timeout_s=10.0)
    assert err.address == "/secondear/error"
    assert "not a regular file" in err.params[1] or "is a folder" in err.params[1]
