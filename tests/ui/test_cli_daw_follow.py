"""``secondear daw follow``: selection changes as the DAW reports them (fake DAWs on 127.0.0.1)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from bridge.daw import DawClient, follow_selection
from tests.daw.ardour_session import start_ardour

ROOT = Path(__file__).resolve().parents[2]


def _msg(address: str, *args) -> bytes:
    b = OscMessageBuilder(address)
    for a in args:
        b.add_arg(a)
    return b.build().dgram


class FakeDaw:
    """Answers the track list; once a surface asks for feedback, sends the scripted selection feedback."""

    def __init__(self, kind: str, script: list[tuple[str, list]]) -> None:
        self.kind, self.script = kind, script
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.received: list[tuple[str, list]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        end = time.monotonic() + 30
        while not self.stop.is_set() and time.monotonic() < end:
            try:
                data, sender = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            m = OscMessage(data)
            self.received.append((m.address, list(m.params)))
            if m.address == "/strip/list":
                for i, name in enumerate(["Vox", "Gtr"], 1):
                    self.sock.sendto(_msg("#reply", "AT", name, 2, 2, 0, 0, i, 0), sender)
                self.sock.sendto(_msg("#reply", "end_route_list", 48000, 0), sender)
            elif m.address == "/tracks":
                self.sock.sendto(_msg("/tracks", "Vox", "Gtr"), sender)
            if (self.kind == "ardour" and m.address == "/set_surface" and int(m.params[2]) & 8192) or (
                    self.kind == "generic" and m.address == "/tracks"):  # fmt: skip
                threading.Thread(target=self._feedback, args=(sender,), daemon=True).start()

    def _feedback(self, sender) -> None:
        for address, args in self.script:
            time.sleep(0.1)
            self.sock.sendto(_msg(address, *args), sender)
        self.sock.sendto(b"garbage\x00", sender)  # malformed: ignored

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


ARDOUR_FEEDBACK = [("/select/name", ["Vox"]), ("/select/gain", [-6.0]), ("/select/name", ["Vox"]),
                   ("/select/name", ["Gtr"]), ("/strip/select", [1, 1])]  # fmt: skip


def _follow(daw_client, seconds: float) -> list[dict]:
    seen: list[dict] = []
    follow_selection(daw_client, threading.Event(), seen.append, duration_s=seconds)
    return seen


def test_follow_ardour_select_feedback():
    fake = FakeDaw("ardour", ARDOUR_FEEDBACK)
    try:
        with DawClient("ardour", "127.0.0.1", fake.port, timeout_s=1.0) as daw:
            seen = _follow(daw, 1.5)
    finally:
        fake.close()
    assert ("/set_surface", [0, 31, 8192, 0, 0, 0]) in fake.received
    assert [(s["track"], s["name"]) for s in seen] == [(1, "Vox"), (2, "Gtr"), (1, "Vox")]
    assert fake.received[-1] == ("/set_surface", [0, 31, 0, 0, 0, 0])  # feedback turned off on the way out


def test_follow_generic_select_feedback():
    fake = FakeDaw("generic", [("/track/2/select", [1]), ("/track/1/select", [0]), ("/track/1/select", [1])])
    try:
        with DawClient("generic", "127.0.0.1", fake.port, timeout_s=1.0) as daw:
            seen = _follow(daw, 1.2)
    finally:
        fake.close()
    assert [(s["track"], s["name"]) for s in seen] == [(2, "Gtr"), (1, "Vox")]


def test_cli_follow_json():
    fake = FakeDaw("ardour", ARDOUR_FEEDBACK)
    try:
        out = subprocess.run([sys.executable, "-m", "ui.cli", "daw", "follow", "--profile", "ardour", "--port",
                              str(fake.port), "--json", "--duration", "1.5"], cwd=ROOT, capture_output=True,
                             text=True, timeout=30)  # fmt: skip
    finally:
        fake.close()
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [(x["track"], x["name"]) for x in lines] == [(1, "Vox"), (2, "Gtr"), (1, "Vox")]
    assert all(x["daw"] == "ardour" for x in lines)


def test_cli_follow_daw_absent_is_not_a_hang_and_says_so():
    """No DAW on the port: one line saying it did not answer, exit 1, as ``daw status`` (it
    exited 0 having said nothing but 'following')."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    t0 = time.monotonic()
    args = ["--profile", "ardour", "--port", str(port), "--timeout", "0.5"]
    out = subprocess.run([sys.executable, "-m", "ui.cli", "daw", "follow", *args, "--duration", "0.5"], cwd=ROOT,
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    assert time.monotonic() - t0 < 15
    status = subprocess.run([sys.executable, "-m", "ui.cli", "daw", "status", *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=30)  # fmt: skip
    assert (out.returncode, status.returncode) == (1, 1)
    assert out.stderr == status.stderr and out.stdout == ""
    assert out.stderr.startswith(f"secondear daw: ardour at 127.0.0.1:{port} did not answer /strip/list")
    assert len(out.stderr.splitlines()) == 1


def test_cli_follow_a_daw_that_answers_but_gives_no_selection_says_so():
    """A DAW that lists its tracks but sends no selection feedback: told, exit 1."""
    fake = FakeDaw("ardour", [])
    try:
        out = subprocess.run([sys.executable, "-m", "ui.cli", "daw", "follow", "--profile", "ardour", "--port",
                              str(fake.port), "--duration", "0.5", "--timeout", "1"], cwd=ROOT, capture_output=True,
                             text=True, timeout=30)  # fmt: skip
    finally:
        fake.close()
    assert out.returncode == 1
    assert out.stderr == f"secondear daw: ardour at 127.0.0.1:{fake.port} reported no selection: nothing answered (is its OSC feedback on?)\n"


def test_follow_real_headless_ardour(tmp_path):
    """Against the headless Ardour 7.3 session of tests/daw/ardour_session.py: /strip/select 1 0
    from another client shows up as a selection change to Vox."""
    session = start_ardour(tmp_path)
    try:
        with DawClient("ardour", "127.0.0.1", session.port, timeout_s=3.0) as daw:
            def select_later() -> None:
                time.sleep(1.0)
                with DawClient("ardour", "127.0.0.1", session.port) as other:
                    other.send_verb("select", track=1)

            t = threading.Thread(target=select_later, daemon=True)
            t.start()
            seen = _follow(daw, 3.0)
            t.join(timeout=5)
    finally:
        session.stop()
    assert session.proc.poll() is not None
    assert (1, "Vox") in [(s["track"], s["name"]) for s in seen], seen
