"""``DawClient.listen``: feedback the DAW sends unasked, from a real python-osc sender on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from bridge.daw import DawClient
from bridge.daw.client import DawMessage


def _bundle(*messages: tuple[str, list]) -> object:
    b = OscBundleBuilder(IMMEDIATELY)
    for address, args in messages:
        m = OscMessageBuilder(address)
        for a in args:
            m.add_arg(a)
        b.add_content(m.build())
    return b.build()


def test_listen_yields_each_decoded_message_in_order_then_stops_at_its_timeout():
    with DawClient("generic", "127.0.0.1", 9, timeout_s=1.0) as daw:
        with SimpleUDPClient("127.0.0.1", daw.reply_port) as sender:
            sender.send_message("/select/name", "Vox")
            sender.send_message("/strip/select", [1, 1])
            sender.send(_bundle(("/track/2/select", [1]), ("/track/2/volume", [0.5])))
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:  # not OSC: counted, skipped
                raw.sendto(b"garbage\x00", ("127.0.0.1", daw.reply_port))
            sender.send_message("/tracks", ["Vox", "Gtr"])
            t0 = time.monotonic()
            got = list(daw.listen(0.5))
            took = time.monotonic() - t0
    assert got == [("/select/name", ("Vox",)), ("/strip/select", (1, 1)), ("/track/2/select", (1,)),
                   ("/track/2/volume", (0.5,)), ("/tracks", ("Vox", "Gtr"))]  # fmt: skip
    assert all(isinstance(m, DawMessage) for m in got)
    assert got[0].address == "/select/name" and got[0].args == ("Vox",)
    assert daw.malformed == 1
    assert 0.45 <= took < 1.5  # listened for its whole window, not longer


def test_listen_sees_messages_sent_while_it_waits():
    with DawClient("generic", "127.0.0.1", 9, timeout_s=1.0) as daw:
        def later() -> None:
            with SimpleUDPClient("127.0.0.1", daw.reply_port) as sender:
                for i in range(3):
                    time.sleep(0.1)
                    sender.send_message(f"/track/{i + 1}/select", 1)

        t = threading.Thread(target=later, daemon=True)
        t.start()
        got = [m.address for m in daw.listen(1.0)]
        t.join(timeout=5)
    assert got == ["/track/1/select", "/track/2/select", "/track/3/select"]


def test_listen_with_nothing_coming_returns_after_its_timeout():
    with DawClient("generic", "127.0.0.1", 9, timeout_s=1.0) as daw:
        t0 = time.monotonic()
        assert list(daw.listen(0.3)) == []
        assert 0.25 <= time.monotonic() - t0 < 1.0
        assert list(daw.listen(0)) == []


def test_listen_ends_early_when_stop_is_set():
    stop = threading.Event()
    with DawClient("generic", "127.0.0.1", 9, timeout_s=1.0) as daw:
        threading.Timer(0.2, stop.set).start()
        t0 = time.monotonic()
        assert list(daw.listen(30.0, stop=stop)) == []
        assert time.monotonic() - t0 < 1.0


def test_listen_after_a_send_to_a_port_where_nothing_listens():
    """The DAW not there yet: a send to its closed port does not disturb listening, which
    still hears the DAW once it talks. (Linux does not report ICMP refusals on this
    unconnected socket; where a system does, ``listen`` skips them.)"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    closed_port = s.getsockname()[1]
    s.close()
    with DawClient("generic", "127.0.0.1", closed_port, timeout_s=1.0) as daw:
        daw.send_message("/ping", [])
        time.sleep(0.05)
        with SimpleUDPClient("127.0.0.1", daw.reply_port) as sender:
            threading.Timer(0.1, sender.send_message, args=("/tracks", ["Vox"])).start()
            got = list(daw.listen(0.5))
    assert got == [("/tracks", ("Vox",))]


def test_send_message_and_track_from_daw():
    with DawClient("ableton", "127.0.0.1", 9, reply_port=0, timeout_s=1.0) as daw:
        assert daw.track_from_daw(0) == 1  # AbletonOSC counts tracks from 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as fake:
        fake.bind(("127.0.0.1", 0))
        fake.settimeout(2.0)
        with DawClient("ardour", "127.0.0.1", fake.getsockname()[1], timeout_s=1.0) as daw:
            assert daw.track_from_daw(1) == 1
            daw.send_message("/set_surface", [0, 31, 8192, 0, 0, 0])
            data, sender = fake.recvfrom(65536)
            reply_port = daw.reply_port
    m = OscMessage(data)
    assert (m.address, list(m.params)) == ("/set_surface", [0, 31, 8192, 0, 0, 0])
    assert sender[1] == reply_port  # sent from the reply socket, so the DAW answers there
