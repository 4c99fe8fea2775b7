"""``secondear suggest`` with several files: cross-track suggestions land on the right file."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from signals import write_wav16
from ui.cli import main

RATE = 48000
SECONDS = 3.0
N = int(RATE * SECONDS)


def kick(rng: np.random.Generator) -> np.ndarray:
    """A kick every 0.5 s (120 → 50 Hz sweep with a click), random hit levels, peaks under −6 dBFS."""
    x = np.zeros(N)
    t = np.arange(int(0.3 * RATE)) / RATE
    hit = np.sin(2 * np.pi * np.cumsum(50 + 70 * np.exp(-t / 0.03)) / RATE) * np.exp(-t / 0.12)
    c = int(0.004 * RATE)
    hit[:c] += 0.5 * rng.standard_normal(c) * np.exp(-np.arange(c) / (0.001 * RATE))
    for start in range(0, N - hit.size, RATE // 2):
        x[start : start + hit.size] += hit * rng.uniform(0.6, 1.0)
    return 0.4 * x / np.abs(x).max()


def band_noise(rng, lo_hz: float, hi_hz: float, rms: float, rate: int = RATE) -> np.ndarray:
    n = int(rate * SECONDS)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / rate)
    spec[(f < lo_hz) | (f > hi_hz)] = 0
    x = np.fft.irfft(spec, n)
    return x * rms / math.sqrt(np.mean(x * x))


def suggest_json(capsys, *args) -> tuple[int, object, str]:
    code = main(["suggest", "--json", "--no-progress", *map(str, args)])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def cross(result: dict) -> list[dict]:
    return [s for s in result["suggestions"] if s.get("cross_track")]


@pytest.fixture
def kick_pair(tmp_path, rng):
    """kick_in (stereo) and kick_out (mono): inverted, 37 samples later, its own noise 20 dB down."""
    a = kick(rng)
    b = -np.concatenate([np.zeros(37), a[:-37]])
    b = b + 0.1 * math.sqrt(np.mean(b * b)) * rng.standard_normal(N)
    write_wav16(tmp_path / "kick_in.wav", np.stack([a, a]).astype(np.float32), RATE)
    write_wav16(tmp_path / "kick_out.wav", b[None, :].astype(np.float32), RATE)
    return tmp_path / "kick_in.wav", tmp_path / "kick_out.wav"


def test_kick_in_and_out_get_a_delay_and_a_flip(capsys, kick_pair):
    kin, kout = kick_pair
    code, d, _ = suggest_json(capsys, kin, kout)
    assert code == 0 and [r["path"] for r in d] == [str(kin), str(kout)]
    (delay,) = cross(d[0])
    (flip,) = cross(d[1])
    assert delay["id"] == "delay-kick-in" and delay["kind"] == "delay"
    assert delay["params"]["delay_samples"] == pytest.approx(37, abs=1) and delay["params"]["channel"] == -1
    assert flip["id"] == "polarity-kick-out" and flip["kind"] == "polarity" and flip["params"] == {"channel": -1}
    assert flip["predicted"]["correlation_after"] > 0.95 and flip["predicted"]["sum_gain_db"] > 6
    assert flip["severity"] == "high" and "kick_in" in flip["why"]
    # the per-file engine's suggestions are still there, and the notes name the pair
    assert all(any("kick_in ↔ kick_out" in n for n in r["notes"]) for r in d)


def test_a_focus_given_second_gets_cuts_on_the_other_track(capsys, tmp_path, rng):
    vocal = band_noise(rng, 1000, 4000, 0.1)
    guitar = band_noise(rng, 2000, 3000, 0.1 * math.sqrt(10 ** 0.4 / 3))  # 4 dB per Hz above the vocal
    write_wav16(tmp_path / "guitar.wav", guitar[None, :].astype(np.float32), RATE)
    write_wav16(tmp_path / "vocal.wav", vocal[None, :].astype(np.float32), RATE)
    code, d, _ = suggest_json(capsys, tmp_path / "guitar.wav", tmp_path / "vocal.wav", "--focus", tmp_path / "vocal.wav")
    assert code == 0
    (cut,) = cross(d[0])
    assert cross(d[1]) == []
    assert cut["kind"] == "peak" and cut["id"].startswith("mask-guitar-")
    assert abs(math.log2(cut["params"]["freq_hz"] / 2500)) <= 1 / 3
    assert -4.0 <= cut["params"]["gain_db"] <= -2.0
    assert cut["predicted"]["focus_to_masker_db"] > cut["predicted"]["focus_to_masker_before_db"]
    assert any(n.startswith("cross-track: focus vocal;") for n in d[0]["notes"])


def test_the_first_file_is_the_focus_by_default(capsys, tmp_path, rng):
    vocal = band_noise(rng, 1000, 4000, 0.1)
    guitar = band_noise(rng, 2000, 3000, 0.1 * math.sqrt(10 ** 0.4 / 3))
    write_wav16(tmp_path / "a_guitar.wav", guitar[None, :].astype(np.float32), RATE)
    write_wav16(tmp_path / "b_vocal.wav", vocal[None, :].astype(np.float32), RATE)
    # a folder: its files, sorted; the guitar comes first and is the focus
    _, d, _ = suggest_json(capsys, tmp_path)
    assert [r["path"].rsplit("/", 1)[1] for r in d] == ["a_guitar.wav", "b_vocal.wav"]
    assert cross(d[0]) == []
    (cut,) = cross(d[1])
    # the vocal is 4 dB per Hz under the guitar, but its spread reaches within 3 dB: a light cut
    assert cut["id"] == "mask-b-vocal-2.5k" and -3.0 < cut["params"]["gain_db"] <= -2.0
    assert cut["severity"] == "low" and "a_guitar" in cut["why"]


def test_aligned_mics_get_a_leave_alone_verdict(capsys, tmp_path, rng):
    a = kick(rng)
    b = 0.5 * a + 0.02 * rng.standard_normal(N)
    write_wav16(tmp_path / "top.wav", a[None, :].astype(np.float32), RATE)
    write_wav16(tmp_path / "bottom.wav", b[None, :].astype(np.float32), RATE)
    _, d, _ = suggest_json(capsys, tmp_path / "top.wav", tmp_path / "bottom.wav")
    for r, other in zip(d, ("bottom", "top")):
        assert cross(r) == []
        (verdict,) = [k for k in r["leave_alone"] if k["aspect"] == "phase_alignment"]
        assert f"aligned with {other}" in verdict["why"]


def test_different_rates_are_a_note_and_nothing_cross_track(capsys, tmp_path, rng):
    write_wav16(tmp_path / "a.wav", band_noise(rng, 1000, 4000, 0.1)[None].astype(np.float32), RATE)
    write_wav16(tmp_path / "b.wav", band_noise(rng, 2000, 3000, 0.3, 44100)[None].astype(np.float32), 44100)
    code, d, _ = suggest_json(capsys, tmp_path / "a.wav", tmp_path / "b.wav")
    assert code == 0
    for r in d:
        assert cross(r) == []
        assert any("sample rates differ" in n and "never resamples" in n for n in r["notes"])


def test_an_unreadable_file_is_left_out_of_the_cross_track_work(capsys, tmp_path, kick_pair):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    code, d, err = suggest_json(capsys, bad, *kick_pair)
    assert code == 1 and "error" in d[0] and "bad.wav" in err
    assert [s["kind"] for s in cross(d[1])] == ["delay"]
    assert [s["kind"] for s in cross(d[2])] == ["polarity"]


def test_text_output_and_an_unknown_focus(capsys, kick_pair):
    code = main(["suggest", "--no-progress", "--focus", "nope.wav", *map(str, kick_pair)])
    out = capsys.readouterr()
    assert code == 0
    assert re.search(r"\[delay-kick-in\] delay delay_samples=3[678] channel=-1", out.out)
    assert "[polarity-kick-out] polarity channel=-1" in out.out
    assert "--focus nope.wav" in out.err


def test_one_file_with_focus_is_still_one_answer(capsys, kick_pair):
    code, d, _ = suggest_json(capsys, kick_pair[0], "--focus", kick_pair[0])
    assert code == 0 and isinstance(d, dict) and cross(d) == []


def test_apply_accepts_cross_track_ids_across_files(tmp_path, capsys):
    """`apply` with several files: polarity and delay ids land on their own files, and the
    aligned pair sums louder, as predicted."""
    import json as _json

    import numpy as np

    from bridge.audio_io import read_audio
    from signals import write_wav16
    from ui.cli import main

    rate = 48000
    n = rate * 4
    rng = np.random.default_rng(3)
    hits = np.zeros(n)
    hits[:: rate // 2] = 1.0
    t = np.arange(int(0.3 * rate)) / rate
    kick = np.convolve(hits, np.sin(2 * np.pi * 55 * t) * np.exp(-t / 0.08))[:n]
    k_in = 0.5 * kick + 0.01 * rng.standard_normal(n)
    k_out = np.zeros(n)
    k_out[37:] = -0.5 * kick[:-37]
    k_out += 0.01 * rng.standard_normal(n)
    a, b = tmp_path / "kick_in.wav", tmp_path / "kick_out.wav"
    write_wav16(a, k_in[None].astype(np.float32), rate)
    write_wav16(b, k_out[None].astype(np.float32), rate)
    out = tmp_path / "out"
    code = main(["apply", str(a), str(b), "-o", str(out), "--role", "kick", "--json", "--no-progress",
                 "--accept", "polarity-kick-out,delay-kick-in"])  # fmt: skip
    printed = capsys.readouterr()
    if code != 0:  # the ids follow the file names; show what was offered
        raise AssertionError(printed.out + printed.err)
    results = _json.loads(printed.out)
    by_name = {r["path"].rsplit("/", 1)[-1]: r for r in results}
    assert by_name["kick_in.wav"]["accepted"] == ["delay-kick-in"]
    assert by_name["kick_out.wav"]["accepted"] == ["polarity-kick-out"]
    x_in, _ = read_audio(out / "kick_in.wav")
    x_out, _ = read_audio(out / "kick_out.wav")
    before = np.sqrt(np.mean((k_in + k_out) ** 2))
    after = np.sqrt(np.mean((x_in[0] + x_out[0]) ** 2))
    assert 20 * np.log10(after / before) > 12.0  # opposite polarity and 37 samples apart: now together
    check = next(c for c in by_name["kick_out.wav"]["checks"] if c["figure"] == "sum_gain_db")
    assert check["measured"] == pytest.approx(check["predicted"], abs=0.5)
