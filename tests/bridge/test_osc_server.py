"""The bridge's OSC server on loopback: real sockets, real analysis, floods and strangers."""

from __future__ import annotations

import logging
import os
import socket
import statistics
import threading
import time

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from bridge.errors import BridgeError
from bridge.osc.codec import Reply
from bridge.osc.server import BridgeServer, BridgeSession
from signals import pink_noise, sine, write_wav16

RATE = 48000


def msg(address: str, *args) -> bytes:
    b = OscMessageBuilder(address=address)
    for a in args:
        b.add_arg(a)
    return b.build().dgram


class Client:
    """A UDP socket on loopback that sends datagrams and reads the replies."""

    def __init__(self, server: BridgeServer, host: str = "127.0.0.1") -> None:
        self.target = server.address
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))

    def send(self, data: bytes) -> None:
        self.sock.sendto(data, self.target)

    def recv(self, timeout_s: float = 5.0) -> OscMessage | None:
        self.sock.settimeout(timeout_s)
        try:
            data, _ = self.sock.recvfrom(65536)
        except socket.timeout:
            return None
        return OscMessage(data)

    def ask(self, data: bytes, count: int = 1, timeout_s: float = 10.0) -> list[OscMessage]:
        self.send(data)
        out = []
        deadline = time.monotonic() + timeout_s
        while len(out) < count and time.monotonic() < deadline:
            m = self.recv(max(0.01, deadline - time.monotonic()))
            if m is not None:
                out.append(m)
        return out

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server():
    with BridgeServer(BridgeSession(version="9.9.9"), port=0) as s:
        yield s


@pytest.fixture
def client(server):
    c = Client(server)
    yield c
    c.close()


@pytest.fixture(scope="module")
def rumbly_vocal(tmp_path_factory) -> str:
    """Three seconds of pink noise with a 40 Hz rumble: as a vocal, it earns a high-pass."""
    x = pink_noise(np.random.default_rng(1), 3.0, RATE, level_dbfs=-20.0) + sine(40.0, -12.0, 3.0, RATE)
    path = tmp_path_factory.mktemp("osc") / "vox.wav"
    write_wav16(path, x, RATE)
    return str(path)


def test_binds_loopback_by_default(server):
    host, port = server.address
    assert host == "127.0.0.1" and port > 0


def test_ping_gets_pong_with_version(client):
    (m,) = client.ask(msg("/secondear/ping"))
    assert (m.address, m.params) == ("/secondear/pong", ["9.9.9"])


def test_python_osc_client_round_trip(server):
    c = SimpleUDPClient(*server.address)
    c.send_message("/secondear/ping", [])
    reply = OscMessage(c.receive(5))
    assert (reply.address, reply.params) == ("/secondear/pong", ["9.9.9"])
    c.send_message("/secondear/select", ["Kick"])
    assert OscMessage(c.receive(5)).params == ["Kick"]


def test_ping_round_trip_median_on_loopback(client, capsys):
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        (m,) = client.ask(msg("/secondear/ping"))
        times.append(time.perf_counter() - t0)
        assert m.address == "/secondear/pong"
    med, p99 = statistics.median(times) * 1e3, sorted(times)[197] * 1e3
    with capsys.disabled():
        print(f"\n[osc] ping round trip on loopback: median {med:.3f} ms, p99 {p99:.3f} ms (200 pings)")
    assert med < 50


def test_analyze_accept_reject_and_intent(server, client, rumbly_vocal):
    (summary,) = client.ask(msg("/secondear/analyze", "Vox", rumbly_vocal, "vocal"))
    assert summary.address == "/secondear/summary"
    track, lufs, peak, n = summary.params
    assert track == "Vox" and -30 < lufs < 0 and -20 < peak < 0 and n >= 1
    suggestions = [client.recv() for _ in range(n)]
    assert all(s.address == "/secondear/suggestion" and s.params[0] == "Vox" for s in suggestions)
    ids = [s.params[1] for s in suggestions]
    assert "hpf" in ids and suggestions[ids.index("hpf")].params[2] == "highpass"
    assert "Hz" in suggestions[ids.index("hpf")].params[3]
    assert server.handler.selected == "Vox"

    (ok,) = client.ask(msg("/secondear/accept", "hpf"))
    assert (ok.address, ok.params) == ("/secondear/ok", ["hpf"])
    (bad,) = client.ask(msg("/secondear/reject", "nope"))
    assert bad.address == "/secondear/error" and bad.params[0] == "/secondear/reject" and "hpf" in bad.params[1]
    (ok,) = client.ask(msg("/secondear/reject", "hpf"))
    assert ok.params == ["hpf"]
    d = server.handler.decisions()
    assert [(t, x.suggestion_id, x.verdict) for t, x in d] == [("Vox", "hpf", "accepted"), ("Vox", "hpf", "rejected")]
    assert abs(d[0][1].time.timestamp() - time.time()) < 60 and d[0][1].role == "vocal" and d[0][1].kind == "highpass"

    (summary,) = client.ask(msg("/secondear/intent", "warmer"))
    n2 = summary.params[3]
    more = [client.recv() for _ in range(n2)]
    assert any(m.params[1].startswith("warmer") for m in more)
    (err,) = client.ask(msg("/secondear/intent", "zzzqqq"))
    assert err.address == "/secondear/error" and "zzzqqq" in err.params[1]


def test_select_then_intent_on_a_track_not_analyzed(client):
    (ok,) = client.ask(msg("/secondear/select", 4))
    assert (ok.address, ok.params) == ("/secondear/ok", ["4"])
    (err,) = client.ask(msg("/secondear/intent", "warmer"))
    assert err.address == "/secondear/error" and "not analyzed" in err.params[1]
    (err,) = client.ask(msg("/secondear/accept", "hpf"))
    assert err.address == "/secondear/error"


def test_paths_are_only_read_as_regular_audio_files(tmp_path, rumbly_vocal):
    session = BridgeSession(max_audio_bytes=1000)
    with BridgeServer(session, port=0) as srv:
        c = Client(srv)
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        text = tmp_path / "notes.txt"
        text.write_text("not audio\n" * 10)
        cases = {
            str(tmp_path / "missing.wav"): "No such file",
            str(tmp_path): "not a regular file",
            str(fifo): "not a regular file",  # opening a FIFO would block: never opened
            "relative/vox.wav": "absolute",
            rumbly_vocal: "limit",
            str(text): "not a readable audio file",
        }
        for path, words in cases.items():
            (err,) = c.ask(msg("/secondear/analyze", "T", path))
            assert err.address == "/secondear/error", path
            assert err.params[0] == "/secondear/analyze" and words in err.params[1], (path, err.params)
        (err,) = c.ask(msg("/secondear/analyze", "T", rumbly_vocal, "kazoo-solo"))
        assert "unknown role" in err.params[1]
        c.close()
        assert srv.stats()["handled"] == 7


def test_unknown_address_wrong_types_and_malformed_bytes(server, client, caplog):
    caplog.set_level(logging.WARNING, logger="bridge.osc.server")
    (err,) = client.ask(msg("/secondear/launch_missiles"))
    assert err.address == "/secondear/error" and err.params[0] == "/secondear/launch_missiles"
    (err,) = client.ask(msg("/secondear/select", 2.5))
    assert err.params[0] == "/secondear/select" and "float" in err.params[1]
    for junk in (b"\x00garbage", b"/secondear/ping", b"#bundle\x00\x00", bytes(np.random.default_rng(3).integers(0, 256, 512, dtype=np.uint8)), b"x" * 20000):
        client.send(junk)
    assert client.recv(0.3) is None  # malformed datagrams get no answer
    (m,) = client.ask(msg("/secondear/ping"))
    assert m.address == "/secondear/pong"
    s = server.stats()
    assert (s["unknown_address"], s["bad_arguments"]) == (1, 1)
    assert s["malformed"] == 4 and s["oversized"] == 1
    assert "launch_missiles" in caplog.text and "exceeds the 8192-byte limit" in caplog.text


def test_reply_to_redirects_replies_for_that_host(server, client):
    other = Client(server)
    port = other.sock.getsockname()[1]
    (ok,) = other.ask(msg("/secondear/reply_to", port))  # the ok goes to the new port: "other" itself
    client.send(msg("/secondear/ping"))
    m = other.recv()
    assert m.address == "/secondear/pong"
    assert client.recv(0.2) is None
    other.send(msg("/secondear/reply_to", 0))
    other.recv()
    (m,) = client.ask(msg("/secondear/ping"))
    assert m.address == "/secondear/pong"
    other.close()


def test_analysis_runs_off_the_receive_thread():
    release = threading.Event()

    def slow_measure(path):
        release.wait(10)
        raise BridgeError("measured nothing")

    with BridgeServer(BridgeSession(measure=slow_measure), port=0) as srv:
        c = Client(srv)
        c.send(msg("/secondear/analyze", "T", "/etc/hostname"))
        (m,) = c.ask(msg("/secondear/ping"), timeout_s=2)
        assert m.address == "/secondear/pong"  # answered while the analysis waits
        release.set()
        m = c.recv()
        assert m.address == "/secondear/error" and "measured nothing" in m.params[1]
        c.close()


def test_a_handler_bug_is_answered_counted_and_survived(caplog):
    calls = []

    def handler(event):
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return (Reply(address="/secondear/pong", args=("x",)),)

    with BridgeServer(handler, port=0) as srv:
        c = Client(srv)
        (err,) = c.ask(msg("/secondear/ping"))
        assert err.address == "/secondear/error" and "boom" in err.params[1]
        (m,) = c.ask(msg("/secondear/ping"))
        assert m.address == "/secondear/pong"
        assert srv.stats()["handler_errors"] == 1
        assert "boom" in caplog.text
        c.close()


def _rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def test_a_flood_of_20000_packets_is_bounded_and_survived(capsys):
    sent = 20_000
    with BridgeServer(BridgeSession(), port=0, quick_queue_size=64) as srv:
        c = Client(srv)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # most pongs are lost here: fine
        junk = [msg("/secondear/ping"), b"\x00junk", msg("/secondear/nope"), b"#bundle\x00" + b"\x01" * 12]
        rss_before = _rss_bytes()
        t0 = time.perf_counter()
        for i in range(sent):
            c.send(junk[0] if i % 10 else junk[(i // 10) % 4])
        send_s = time.perf_counter() - t0
        last, deadline = None, time.monotonic() + 10
        while time.monotonic() < deadline:  # wait until the server has caught up
            now = srv.stats()
            if now == last and now["quick_queue_depth"] == 0:
                break
            last = now
            time.sleep(0.2)
        rss_after = _rss_bytes()
        s = srv.stats()
        fresh = Client(srv)
        (m,) = fresh.ask(msg("/secondear/ping"), timeout_s=5)
        assert m.address == "/secondear/pong"
        fresh.close()
        c.close()
    dropped = s["dropped_quick_queue_full"]
    with capsys.disabled():
        print(f"\n[osc] flood: {sent} sent in {send_s:.2f} s, {s['received']} received "
              f"({sent - s['received']} lost in the kernel), {s['handled']} handled, {dropped} dropped "
              f"(queue full), {s['malformed']} malformed, {s['unknown_address']} unknown; "
              f"queue high water {s['quick_queue_high_water']}/64; "
              f"RSS {rss_before / 2**20:.1f} → {rss_after / 2**20:.1f} MiB")  # fmt: skip
    assert s["received"] > sent // 4
    assert s["quick_queue_high_water"] <= 64
    assert s["handled"] + dropped + s["malformed"] + s["unknown_address"] + s["oversized_bundle"] == s["received"]
    assert s["internal_errors"] == 0
    assert rss_after - rss_before < 32 * 2**20


def test_a_sender_outside_the_allow_list_is_dropped():
    with BridgeServer(BridgeSession(), host="127.0.0.1", port=0, allow=["127.0.0.1"]) as srv:
        stranger, friend = Client(srv, host="127.0.0.2"), Client(srv, host="127.0.0.1")
        assert stranger.ask(msg("/secondear/ping"), timeout_s=0.5) == []
        (m,) = friend.ask(msg("/secondear/ping"))
        assert m.address == "/secondear/pong"
        assert srv.stats()["dropped_sender"] == 1
        stranger.close()
        friend.close()


def test_binding_beyond_loopback_needs_an_allow_list():
    with pytest.raises(ValueError, match="--allow"):
        BridgeServer(host="0.0.0.0", port=0)
    with pytest.raises(ValueError, match="--allow"):
        BridgeServer(host="127.0.0.1", port=0, allow=["not-an-address"])


def test_a_port_in_use_is_a_clear_error(server):
    with pytest.raises(BridgeError, match="cannot listen"):
        BridgeServer(port=server.address[1]).start()


def test_close_stops_every_thread():
    before = {t.name for t in threading.enumerate()}
    srv = BridgeServer(port=0).start()
    srv.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("secondear-osc") and t.name not in before]


def test_cli_serve_prints_its_address_answers_and_stops_on_sigterm():
    import re
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())",
                             "daw", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
        found = re.search(r"udp://127\.0\.0\.1:(\d+)", line)
        assert found, line
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        sock.sendto(msg("/secondear/ping"), ("127.0.0.1", int(found.group(1))))
        assert OscMessage(sock.recvfrom(65536)[0]).address == "/secondear/pong"
        sock.close()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopping" in out and "handled=1" in err


def test_cli_serve_refuses_a_wide_bind_without_allow(capsys):
    from ui.cli import main

    assert main(["daw", "serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "--allow" in capsys.readouterr().err
