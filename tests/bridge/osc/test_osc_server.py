"""The bridge's OSC transport on loopback: real sockets, floods, strangers and bugs in a handler
(what each address does is tested in ``test_osc_dispatch.py``)."""

from __future__ import annotations

import logging
import socket
import statistics
import threading
import time

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.udp_client import SimpleUDPClient

from bridge.errors import BridgeError
from bridge.osc.codec import Reply
from bridge.osc.dispatch import BridgeSession
from bridge.osc.server import BridgeServer
from tests.bridge.osc.oscpeer import Client, msg


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


def test_reply_to_redirects_replies_for_that_sender_only(server, client):
    """``/secondear/reply_to`` is per sender address and port: another client on the same host
    keeps its replies (a host-wide redirection let one loopback client take every one's)."""
    other, listener = Client(server), Client(server)
    port = listener.sock.getsockname()[1]
    (ok,) = [m for m in [other.send(msg("/secondear/reply_to", port)), listener.recv()] if m is not None]
    assert ok.address == "/secondear/ok"  # the ok goes to the new port
    other.send(msg("/secondear/ping"))
    assert listener.recv().address == "/secondear/pong" and other.recv(0.2) is None
    (m,) = client.ask(msg("/secondear/ping"))  # same host, another port: untouched
    assert m.address == "/secondear/pong" and listener.recv(0.2) is None
    other.send(msg("/secondear/reply_to", 0))
    assert other.recv().address == "/secondear/ok"  # back to the sender's own port
    (m,) = other.ask(msg("/secondear/ping"))
    assert m.address == "/secondear/pong"
    other.close()
    listener.close()


def test_reply_port_catches_senders_that_use_a_new_port_per_message():
    """``reply_port`` (``daw serve --reply-port``) is for tools that send each message from a new
    port (liblo's ``oscsend``): no ``reply_to`` can name their port, since it holds for one
    sender address and port. A sender's own ``reply_to`` still wins; 0 hands it back to ``reply_port``."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5.0)
    with BridgeServer(BridgeSession(version="9.9.9"), port=0, reply_port=listener.getsockname()[1]) as srv:
        senders = [Client(srv) for _ in range(3)]  # one socket per message, as oscsend
        for c in senders:
            c.send(msg("/secondear/ping"))
            assert OscMessage(listener.recvfrom(65536)[0]).address == "/secondear/pong"
            assert c.recv(0.2) is None
        own = senders[0]
        (ok,) = own.ask(msg("/secondear/reply_to", own.sock.getsockname()[1]))
        assert ok.address == "/secondear/ok"
        (m,) = own.ask(msg("/secondear/ping"))
        assert m.address == "/secondear/pong"
        own.send(msg("/secondear/reply_to", 0))  # its ok and later replies go to reply_port again
        own.send(msg("/secondear/ping"))
        back = [OscMessage(listener.recvfrom(65536)[0]) for _ in range(2)]
        assert [(m.address, m.params) for m in back] == [("/secondear/ok", ["reply_to"]), ("/secondear/pong", ["9.9.9"])]
        assert own.recv(0.2) is None
        for c in senders:
            c.close()
    listener.close()


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
    # the kernel drops what it must (most of it when the machine is loaded): the test needs
    # only enough to fill the 64-slot queue many times over, which is the server's part
    assert s["received"] >= 1000
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
