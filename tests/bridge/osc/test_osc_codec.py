"""The OSC codec: datagram bytes in, typed events out; replies out. No sockets."""

from __future__ import annotations

import math
import struct

import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from bridge.osc import codec
from bridge.osc.codec import (
    Accept, Analyze, BadMessage, Intent, MalformedPacketError, Ping, Reject, ReplyTo, Select,
    decode_datagram, encode_reply,
)  # fmt: skip


def msg(address: str, *args, types: str | None = None) -> bytes:
    b = OscMessageBuilder(address=address)
    for i, a in enumerate(args):
        b.add_arg(a, types[i] if types else None)
    return b.build().dgram


# Regression datagrams, written out by hand (OSC 1.0: padded strings, big-endian numbers).
PING = b"/secondear/ping\x00,\x00\x00\x00"
ANALYZE_INT_TRACK = b"/secondear/analyze\x00\x00,is\x00\x00\x00\x00\x07/a.wav\x00\x00"
TRUNCATED_INT = b"/secondear/reply_to\x00,i\x00\x00\x00\x00"
NOT_OSC = b"\x00\x01\x02\x03garbage"


def test_ping_from_hand_written_bytes():
    assert decode_datagram(PING) == (Ping(),)


def test_analyze_with_a_track_number():
    assert decode_datagram(ANALYZE_INT_TRACK) == (Analyze(track="7", path="/a.wav", role=None),)


@pytest.mark.parametrize("data, event", [
    (msg("/secondear/analyze", "Vox", "/x/vox.wav", "vocal"), Analyze(track="Vox", path="/x/vox.wav", role="vocal")),
    (msg("/secondear/analyze", "Vox", "/x/vox.wav"), Analyze(track="Vox", path="/x/vox.wav")),
    (msg("/secondear/select", "Bass"), Select(track="Bass")),
    (msg("/secondear/select", 3), Select(track="3")),
    (msg("/secondear/intent", "warmer, less harsh"), Intent(text="warmer, less harsh")),
    (msg("/secondear/accept", "hpf"), Accept(suggestion_id="hpf")),
    (msg("/secondear/reject", "eq-315"), Reject(suggestion_id="eq-315")),
    (msg("/secondear/reply_to", 9001), ReplyTo(port=9001)),
])  # fmt: skip
def test_each_address_decodes_to_its_event(data, event):
    assert decode_datagram(data) == (event,)


def test_events_are_frozen():
    e = Select(track="a")
    with pytest.raises(AttributeError):
        e.track = "b"  # type: ignore[misc]


@pytest.mark.parametrize("data, hint", [
    (msg("/secondear/select", 1.5), "float"),
    (msg("/secondear/accept", 3), "int"),
    (msg("/secondear/analyze", "t"), "usage"),
    (msg("/secondear/analyze", "t", "/p", "r", "extra"), "usage"),
    (msg("/secondear/ping", 1), "usage"),
    (msg("/secondear/reply_to", "9000"), "string"),
    (msg("/secondear/reply_to", 70000), "outside"),
    (msg("/secondear/select", ""), "empty"),
    (msg("/secondear/analyze", "t", b"\x00\x01", types="sb"), "blob"),
    (msg("/secondear/intent", True, types="T"), "bool"),
    (msg("/secondear/intent", "x" * (codec.MAX_TEXT_CHARS + 1)), "characters"),
])  # fmt: skip
def test_wrong_argument_types_become_bad_messages(data, hint):
    (event,) = decode_datagram(data)
    assert isinstance(event, BadMessage)
    assert event.reason == "bad_arguments"
    assert hint in event.message


def test_unknown_address_lists_the_known_ones():
    (event,) = decode_datagram(msg("/secondear/nope", 1))
    assert event == BadMessage(address="/secondear/nope", reason="unknown_address", message=event.message)
    assert "/secondear/ping" in event.message


@pytest.mark.parametrize("data", [
    b"", NOT_OSC, TRUNCATED_INT, b"/secondear/ping", b"/secondear/ping\x00,x\x00\x00",
    b"#bundle\x00", b"#bundle\x00" + b"\x00" * 8 + b"\x00\x00\x00\x10",
    b"#bundle\x00" + b"\x00" * 8 + b"\xff\xff\xff\xfc" + PING,
    b"#bundle\x00" + b"\x00" * 8 + struct.pack(">i", 12) + b"garbagegarba",
    b"/secondear/intent\x00\x00\x00,s\x00\x00\xff\xfe\x00\x00",  # not UTF-8
])  # fmt: skip
def test_malformed_bytes_raise_malformed_packet_error(data):
    with pytest.raises(MalformedPacketError) as info:
        decode_datagram(data)
    assert info.value.reason == "malformed"
    assert isinstance(info.value, ValueError)


def test_oversized_datagram_is_refused_before_parsing():
    data = msg("/secondear/intent", "x" * 9000)
    with pytest.raises(MalformedPacketError) as info:
        decode_datagram(data)
    assert info.value.reason == "oversized"


def _bundle(n: int, *, nested: bool = False) -> bytes:
    b = OscBundleBuilder(IMMEDIATELY)
    for _ in range(n):
        b.add_content(OscMessage(PING))
    if nested:
        inner = OscBundleBuilder(IMMEDIATELY)
        inner.add_content(OscMessage(msg("/secondear/select", "Kick")))
        b.add_content(inner.build())
    return b.build().dgram


def test_bundle_messages_are_flattened():
    assert decode_datagram(_bundle(2, nested=True)) == (Ping(), Ping(), Select(track="Kick"))


def test_bundle_with_too_many_elements_is_refused():
    assert len(decode_datagram(_bundle(codec.MAX_BUNDLE_ELEMENTS))) == codec.MAX_BUNDLE_ELEMENTS
    with pytest.raises(MalformedPacketError) as info:
        decode_datagram(_bundle(codec.MAX_BUNDLE_ELEMENTS + 1))
    assert info.value.reason == "oversized_bundle"


def test_deeply_nested_bundles_cost_no_recursion():
    data = PING
    for _ in range(200):  # each level adds 20 bytes: 4 KiB in all
        data = b"#bundle\x00" + b"\x00" * 8 + struct.pack(">i", len(data)) + data
    with pytest.raises(MalformedPacketError) as info:
        decode_datagram(data)
    assert info.value.reason == "oversized_bundle"
    assert decode_datagram(data, max_bundle_elements=1000) == (Ping(),)


def test_replies_encode_with_osc_types():
    m = OscMessage(encode_reply(codec.summary("Vox", -14.25, None, 2)))
    assert m.address == "/secondear/summary"
    track, lufs, peak, n = m.params
    assert (track, n) == ("Vox", 2) and lufs == pytest.approx(-14.25) and math.isnan(peak)
    assert OscMessage(encode_reply(codec.pong("1.0"))).params == ["1.0"]
    assert OscMessage(encode_reply(codec.error("/secondear/x", "why"))).params == ["/secondear/x", "why"]
    assert OscMessage(encode_reply(codec.suggestion("1", "hpf", "highpass", "rumble"))).params == [
        "1", "hpf", "highpass", "rumble"]


def test_a_reply_argument_that_is_not_osc_is_a_type_error():
    with pytest.raises(TypeError):
        encode_reply(codec.Reply(address="/secondear/x", args=(object(),)))  # type: ignore[arg-type]
