"""Property-based tests (hypothesis) of what reads untrusted bytes (issue 11): the OSC codec,
the preset and chain parsers, the audio reader's checks. Whatever the input, each answers
with its own one-line error type or a valid value, and what it builds reads back the same.
"""

from __future__ import annotations

import json
import logging
import struct

import numpy as np
import soundfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc.osc_message_builder import OscMessageBuilder

from analyzers.analysis import MAX_CHANNELS, MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ
from analyzers.moves import Move
from bridge.audio_io import probe, read_audio
from bridge.chain import BuiltinSlot, Chain, ChainError
from bridge.errors import AudioReadError
from bridge.osc import codec
from presets import Preset, PresetError
from presets.format import dumps, loads

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILES = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=30,
)


# --- OSC codec -----------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=9000))
def test_any_datagram_decodes_or_is_refused_as_malformed(data):
    try:
        events = codec.decode_datagram(data)
    except codec.MalformedPacketError as exc:
        assert exc.reason in ("malformed", "oversized", "oversized_bundle") and "\n" not in str(exc)
        return
    assert isinstance(events, tuple)


@FAST
@given(address=st.sampled_from(["/secondear/ping", "/secondear/analyze", "/secondear/select", "/secondear/nope"]),
       tags=st.text(alphabet="ifsbhdtTFNcISrm[]", max_size=40))  # fmt: skip
def test_type_tags_python_osc_cannot_read_never_reach_it(address, tags):
    """Any type tag string: decoded, or refused as malformed; python-osc never logs."""
    raw = address.encode() + b"\x00" * (4 - len(address) % 4)
    t = ("," + tags).encode() + b"\x00"
    raw += t + b"\x00" * (-len(t) % 4) + b"\x00" * 64
    seen: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = seen.append
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        codec.decode_datagram(raw)
    except codec.MalformedPacketError:
        pass
    finally:
        root.removeHandler(handler)
    assert not [r for r in seen if "pythonosc" in r.pathname]


@FAST
@given(track=st.text(min_size=1, max_size=50).filter(lambda s: "\x00" not in s),
       path=st.text(min_size=1, max_size=200).filter(lambda s: "\x00" not in s))  # fmt: skip
def test_analyze_round_trips_its_strings(track, path):
    """Any strings: the same strings back, or a blank one refused with the usage."""
    b = OscMessageBuilder(address="/secondear/analyze")
    b.add_arg(track)
    b.add_arg(path)
    (event,) = codec.decode_datagram(b.build().dgram)
    if not track.strip() or not path.strip():
        assert isinstance(event, codec.BadMessage) and "usage" in event.message
    else:
        assert isinstance(event, codec.Analyze) and (event.track, event.path) == (track.strip(), path.strip()) \
            or (event.track, event.path) == (track, path)


@FAST
@given(st.lists(st.one_of(st.integers(-2**31, 2**31 - 1), st.floats(allow_nan=False, width=32),
                          st.text(max_size=30).filter(lambda s: "\x00" not in s)), max_size=6))  # fmt: skip
def test_replies_encode_and_decode_back(args):
    from pythonosc.osc_message import OscMessage

    data = codec.encode_reply(codec.Reply(address="/secondear/error", args=tuple(args)))
    back = OscMessage(data).params
    assert len(back) == len(args)
    for a, b in zip(args, back):
        assert a == b or (isinstance(a, float) and abs(a - b) <= 1e-6 * max(1.0, abs(a)))


# --- preset and chain parsers --------------------------------------------------------------------


@FAST
@given(json_values)
def test_any_json_is_a_preset_or_a_preset_error(value):
    try:
        preset = loads(json.dumps(value))
    except PresetError as exc:
        assert str(exc)
        return
    assert loads(dumps(preset)) == preset


@FAST
@given(st.text(max_size=300))
def test_any_text_is_a_preset_or_a_preset_error(text):
    try:
        loads(text)
    except PresetError:
        pass


@FAST
@given(json_values)
def test_any_json_is_a_chain_or_a_chain_error(value):
    try:
        chain = Chain.from_dict(value)
    except ChainError as exc:
        assert str(exc)
        return
    assert Chain.from_dict(chain.to_dict()) == chain


@FAST
@given(name=st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and s.isprintable()),
       gains=st.lists(st.floats(-24, 24, allow_nan=False), min_size=1, max_size=4),
       tags=st.lists(st.text(alphabet="abcdefghij-", min_size=1, max_size=8), max_size=3))  # fmt: skip
def test_valid_presets_round_trip(name, gains, tags):
    chain = Chain(tuple(BuiltinSlot(Move("gain", {"gain_db": g})) for g in gains))
    try:
        preset = Preset(name=name, chain=chain, tags=tuple(tags))
    except (ValueError, PresetError):
        return  # a name the format refuses (it says why); not this test's subject
    once = loads(dumps(preset))  # values are written to 3 decimals: the second trip is exact
    assert loads(dumps(once)) == once and once.name == preset.name
    got = [s.move.params["gain_db"] for s in once.chain.slots]
    assert np.allclose(got, gains, atol=5e-4)


# --- the audio reader's checks -------------------------------------------------------------------


def _wav_header(channels: int, rate: int, bits: int, data_bytes: int, actual: int) -> bytes:
    block = channels * max(1, bits // 8)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + struct.pack("<I", data_bytes) + b"\x01\x02" * (actual // 2))  # fmt: skip


@FILES
@given(channels=st.integers(0, 300), rate=st.integers(0, 3_000_000), bits=st.sampled_from([0, 8, 16, 24, 32, 7]),
       data_bytes=st.integers(0, 100_000), actual=st.integers(0, 20_000))  # fmt: skip
def test_any_wav_header_is_read_within_the_limits_or_refused_in_one_line(tmp_path, channels, rate, bits,
                                                                        data_bytes, actual):  # fmt: skip
    p = tmp_path / "h.wav"
    p.write_bytes(_wav_header(channels, rate, bits, data_bytes, actual))
    try:
        info = probe(p)
    except AudioReadError as exc:
        assert "\n" not in str(exc) and str(p) in str(exc)
        return
    assert 1 <= info.num_channels <= MAX_CHANNELS
    assert MIN_SAMPLE_RATE_HZ <= info.sample_rate_hz <= MAX_SAMPLE_RATE_HZ
    assert 0 < info.num_frames and info.num_frames * info.num_channels * max(1, bits // 8) <= max(actual, 0) + 8
    y, _ = read_audio(p)
    assert y.shape == (info.num_channels, info.num_frames) and np.all(np.isfinite(y))


@FILES
@given(cut=st.floats(0.0, 1.0), seconds=st.floats(0.2, 2.0))
def test_a_flac_cut_anywhere_reads_only_what_is_there(tmp_path, cut, seconds):
    x = (np.random.default_rng(2).standard_normal((int(48000 * seconds), 2)) * 0.1).astype(np.float32)
    whole = tmp_path / "w.flac"
    soundfile.write(whole, x, 48000, subtype="PCM_16")
    data = whole.read_bytes()
    p = tmp_path / "c.flac"
    p.write_bytes(data[: max(1, int(len(data) * cut))])
    try:
        info = probe(p)
    except AudioReadError as exc:
        assert "\n" not in str(exc)
        return
    y, _ = read_audio(p)
    assert y.shape[1] == info.num_frames <= x.shape[0]
    assert np.max(np.abs(y - x[: y.shape[1]].T)) < 1e-4  # the original's samples, none padded
