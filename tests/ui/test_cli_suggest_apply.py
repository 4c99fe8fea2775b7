"""``secondear suggest`` and ``secondear apply``: the JSON contract, loudness targets met
(checked with ffmpeg's ebur128 as well as our meter), accepting ids, errors and exit codes,
odd inputs, album mode. In-process through :func:`ui.cli.main`, plus one real subprocess.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import numpy as np
import pedalboard as pb
import pytest

from analyzers.moves import KINDS, Move
from bridge.audio_io import read_audio
from bridge.demo import demo_mix
from bridge.measure import analyze_file
from bridge.render import render_move
from signals import ffmpeg_ebur128, require_executable, write_float_wav, write_wav16
from ui.cli import main

RATE = 48000
SUGGESTION_KEYS = {"id", "kind", "params", "why", "confidence", "severity", "predicted"}


@pytest.fixture(scope="module")
def demo_wav(tmp_path_factory):
    """20 s of the demo mix as a 32-bit float WAV."""
    path = tmp_path_factory.mktemp("cli") / "demo.wav"
    write_float_wav(path, demo_mix()[:, : 20 * RATE], RATE)
    return path


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys, *args):
    code, out, err = run(capsys, *args, "--json")
    return code, json.loads(out), err


def check_contract(d: dict) -> None:
    assert {"analysis", "context", "suggestions", "leave_alone"} <= d.keys()
    assert {"role", "genre", "target", "reference", "intent"} <= d["context"].keys()
    assert isinstance(d["analysis"]["integrated_lufs"], (float, type(None)))
    ids = [s["id"] for s in d["suggestions"]]
    assert len(ids) == len(set(ids))
    for s in d["suggestions"]:
        assert SUGGESTION_KEYS <= s.keys(), s
        assert isinstance(s["id"], str) and s["id"] and " " not in s["id"]
        assert s["kind"] in KINDS
        assert Move.from_dict(s).to_dict() == {"kind": s["kind"], "params": s["params"],
                                               **({"curve": s["curve"]} if "curve" in s else {})}  # fmt: skip
        assert isinstance(s["why"], str) and re.search(r"\d", s["why"])
        assert 0.0 <= s["confidence"] <= 1.0
        assert s["severity"] in ("low", "medium", "high")
        assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in s["predicted"].values())
    for k in d["leave_alone"]:
        assert set(k) == {"aspect", "why"} and k["aspect"] and k["why"]


# --------------------------------------------------------------------------- suggest


@pytest.mark.parametrize(
    "flags",
    [[], ["--role", "other", "--target", "spotify"], ["--genre", "pop", "--target", "cd", "--intent", "warmer but not muddy, glue"]],
    ids=["default", "other-spotify", "pop-cd-intent"],
)
def test_suggest_json_contract(capsys, demo_wav, flags):
    code, d, err = run_json(capsys, "suggest", demo_wav, *flags)
    assert code == 0, err
    check_contract(d)
    assert d["analysis"]["integrated_lufs"] == pytest.approx(-18.0, abs=1.0)
    if "--target" in flags:
        target = d["context"]["target"]
        assert target["lufs"] in (-14.0, -10.0) and target["ceiling_dbtp"] <= -0.3
        assert [s for s in d["suggestions"] if s["id"] == "loudness"], "a target gives a loudness move"
    else:
        assert d["context"]["target"] is None


def test_suggest_json_in_a_real_subprocess(demo_wav):
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "suggest", "--json", "--role", "other", "--target", "spotify", str(demo_wav)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    d = json.loads(done.stdout)
    check_contract(d)
    assert d["context"]["role"] == "other" and d["context"]["target"]["name"] == "spotify"
    assert {s["id"] for s in d["suggestions"]} >= {"loudness"}


def test_suggest_text_lists_ids_and_reasons(capsys, demo_wav):
    code, out, _ = run(capsys, "suggest", demo_wav, "--role", "other", "--target", "spotify")
    assert code == 0
    assert "Suggestions" in out and "[loudness]" in out and "[hpf]" in out
    assert "LUFS" in out


# --------------------------------------------------------------------------- apply


@pytest.mark.ffmpeg
def test_apply_target_spotify_lands_on_minus_14_under_minus_1_dbtp(capsys, demo_wav, tmp_path):
    ffmpeg = require_executable("ffmpeg")
    out = tmp_path / "spotify.wav"
    code, d, err = run_json(capsys, "apply", demo_wav, "-o", out, "--target", "spotify")
    assert code == 0, err
    assert "loudness" in d["accepted"]
    _, ours = analyze_file(out)
    theirs = ffmpeg_ebur128(ffmpeg, out)
    figures = f"ours {ours.loudness.integrated_lufs:.2f} LUFS / {ours.levels.true_peak_dbtp:.2f} dBTP, ffmpeg {theirs}"
    assert ours.loudness.integrated_lufs == pytest.approx(-14.0, abs=0.5), figures
    assert theirs["integrated_lufs"] == pytest.approx(-14.0, abs=0.5), figures
    assert ours.levels.true_peak_dbtp <= -1.0, figures
    assert theirs["true_peak_dbtp"] <= -1.0, figures
    assert d["after"]["integrated_lufs"] == pytest.approx(ours.loudness.integrated_lufs, abs=0.01)


@pytest.mark.parametrize("kind", ["peak", "highpass", "compressor"])
def test_apply_accept_one_id_renders_only_that_move(capsys, demo_wav, tmp_path, kind):
    # the undamaged demo has no bump worth a cut (restraint): the words ask for a bell
    flags = ["--role", "other", "--target", "spotify", "--intent", "less boxy"]
    _, d, _ = run_json(capsys, "suggest", demo_wav, *flags)
    assert len(d["suggestions"]) >= 2, "the test needs several suggestions to choose from"
    chosen = next((s for s in d["suggestions"] if s["kind"] == kind), None)
    assert chosen is not None, f"no {kind} suggestion: {[s['id'] for s in d['suggestions']]}"
    out = tmp_path / "one.wav"
    code, r, err = run_json(capsys, "apply", demo_wav, "-o", out, *flags, "--accept", chosen["id"])
    assert code == 0, err
    assert r["accepted"] == [chosen["id"]]
    assert {c["id"] for c in r["checks"]} <= {chosen["id"]}
    x, rate = read_audio(demo_wav)
    expected = render_move(x, rate, Move.from_dict(chosen))
    got, _ = read_audio(out)
    assert got.shape == x.shape
    # the JSON rounds parameters to 3 decimals: compare the residual, not bits
    residual_db = 10 * math.log10(np.mean((got - expected) ** 2) / np.mean(expected**2))
    assert residual_db < -70.0, f"the output is not the input with only that move ({residual_db:.1f} dB)"
    untouched_db = 10 * math.log10(np.mean((got - x) ** 2) / np.mean(x**2))
    assert untouched_db > -60.0, "the move did nothing"


def test_apply_accept_bogus_lists_the_known_ids(capsys, demo_wav, tmp_path):
    flags = ["--role", "other", "--target", "spotify"]
    _, d, _ = run_json(capsys, "suggest", demo_wav, *flags)
    ids = [s["id"] for s in d["suggestions"]]
    assert ids
    out = tmp_path / "bogus.wav"
    code, _, err = run(capsys, "apply", demo_wav, "-o", out, *flags, "--accept", "bogus")
    assert code == 1
    assert "bogus" in err
    for sid in ids:
        assert sid in err, f"{sid} missing from {err!r}"
    assert not out.exists()


@pytest.mark.parametrize(
    ("flag", "value", "nearest"),
    [("--genre", "popp", "pop"), ("--role", "vocla", "vocal"), ("--target", "spotfy", "spotify"), ("--intent", "warmr", "warm")],
)
@pytest.mark.parametrize("command", ["suggest", "apply"])
def test_unknown_name_exits_2_with_the_nearest_before_reading_audio(capsys, tmp_path, monkeypatch, command, flag, value, nearest):
    import bridge.audio_io
    import bridge.measure

    def no_reading(*a, **k):
        raise AssertionError("audio was read before the names were checked")

    monkeypatch.setattr(bridge.measure, "analyze_file", no_reading)
    monkeypatch.setattr(bridge.audio_io, "read_audio", no_reading)
    missing = tmp_path / "not-there.wav"
    extra = ["-o", tmp_path / "o.wav"] if command == "apply" else []
    code, out, err = run(capsys, command, missing, *extra, flag, value)
    assert code == 2, err
    assert "nearest:" in err and nearest in err.split("nearest:")[1], err
    assert "not-there" not in err and "Traceback" not in err


@pytest.mark.parametrize(("decisions", "said"), [
    (["--accept", "dehum-50", "--reject", "dehum-50"], "dehum-50: accepted (--accept) and rejected (--reject)"),
    (["--tweak", "comp:ratio=3", "--reject", "comp"], "comp: accepted (--tweak) and rejected (--reject)"),
    (["--accept", "hpf,comp", "--tweak", "gate:range_db=6", "--reject", "gate,comp"],
     "comp, gate: accepted (--accept, --tweak) and rejected (--reject)"),
])  # fmt: skip
@pytest.mark.parametrize("session", [False, True])
def test_one_id_accepted_and_rejected_is_a_usage_error(capsys, demo_wav, tmp_path, decisions, said, session):
    """``--accept X --reject X`` and ``--tweak X:… --reject X`` rendered (exit 0), which of the
    two was meant left to chance: a usage error (exit 2, one line) before anything is read,
    with and without a session; nothing written, nothing logged."""
    from presets import TasteLog

    out = tmp_path / "o.wav"
    extra = []
    if session:
        extra = ["--session", tmp_path / "s.json"]
        assert run(capsys, "suggest", demo_wav, *extra)[0] == 0
    logged = len(TasteLog().read().decisions)
    code, stdout, err = run(capsys, "apply", demo_wav, "-o", out, *decisions, *extra)
    assert (code, stdout) == (2, "")
    assert err.splitlines() == [f"secondear: {said} at once: decide each suggestion once"]
    assert not out.exists() and len(TasteLog().read().decisions) == logged


def _eq_moves(d: dict) -> list[tuple[str, float, float]]:
    return sorted((s["kind"], s["params"]["freq_hz"], s["params"]["gain_db"])
                  for s in d["suggestions"] if s["kind"] in ("peak", "low_shelf", "high_shelf"))  # fmt: skip


def test_a_reference_at_another_rate_and_channel_count_works(capsys, demo_wav, tmp_path):
    """A mono 44.1 kHz reference: accepted, and the advice is the one the same audio at
    48 kHz gives (the reference's rate must not change its tonal balance)."""
    from scipy.signal import resample_poly

    mono = demo_mix(RATE, 20.0).mean(axis=0, keepdims=True)
    refs = {44100: tmp_path / "ref_44100_mono.wav", RATE: tmp_path / "ref_48000_mono.wav"}
    write_float_wav(refs[RATE], mono, RATE)
    # the same audio at 44.1 kHz (band-limited resampling, flat to 20 kHz)
    write_float_wav(refs[44100], resample_poly(mono.astype(np.float64), 147, 160, axis=1).astype(np.float32), 44100)
    answers = {}
    for rate, ref in refs.items():
        code, d, err = run_json(capsys, "suggest", demo_wav, "--reference", ref)
        assert code == 0, err
        check_contract(d)
        assert d["context"]["reference"] == str(ref)
        answers[rate] = d
    a, b = _eq_moves(answers[44100]), _eq_moves(answers[RATE])
    assert [m[:2] for m in a] == [m[:2] for m in b], (a, b)
    assert all(abs(x[2] - y[2]) <= 0.5 for x, y in zip(a, b)), (a, b)
    out = tmp_path / "out.wav"
    code, r, err = run_json(capsys, "apply", demo_wav, "-o", out, "--reference", refs[44100])
    assert code == 0, err
    y, rate = read_audio(out)
    assert rate == RATE and y.shape == (2, 20 * RATE)


@pytest.fixture(scope="module")
def odd_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("odd")
    write_wav16(folder / "silence.wav", np.zeros((2, 5 * RATE), np.float32), RATE)
    write_wav16(folder / "short.wav", demo_mix()[:, 12 * RATE : int(12.2 * RATE)], RATE)
    return folder


@pytest.mark.parametrize("name", ["silence", "short"])
def test_silence_and_a_short_file_get_nothing_to_suggest(capsys, odd_files, tmp_path, name):
    path = odd_files / f"{name}.wav"
    code, out, err = run(capsys, "suggest", path)
    assert code == 0 and "Traceback" not in err
    assert "nothing to suggest" in out
    code, d, err = run_json(capsys, "suggest", path, "--target", "spotify", "--intent", "warmer")
    assert code == 0 and "Traceback" not in err
    check_contract(d)
    assert d["suggestions"] == []
    assert [k["aspect"] for k in d["leave_alone"]] == ["everything"]
    assert ("no signal" if name == "silence" else "too short") in d["leave_alone"][0]["why"]
    code, out, err = run(capsys, "apply", path, "-o", tmp_path / "o.wav", "--target", "spotify")
    assert code == 0 and "Traceback" not in err
    assert "accepted: nothing" in out


def test_output_equal_to_input_is_refused(capsys, demo_wav, tmp_path):
    before = demo_wav.read_bytes()
    for spelled in (demo_wav, demo_wav.parent / "." / demo_wav.name):
        code, _, err = run(capsys, "apply", demo_wav, "-o", spelled, "--target", "spotify")
        assert code == 1
        assert "input" in err
    assert demo_wav.read_bytes() == before


@pytest.fixture(scope="module")
def album(tmp_path_factory):
    """Two tracks 6 dB apart with a low crest factor: quiet, and never needing a limiter."""
    folder = tmp_path_factory.mktemp("album")
    x = demo_mix()[:, : 10 * RATE]
    y = np.asarray(pb.Compressor(threshold_db=-30.0, ratio=10.0, attack_ms=0.1, release_ms=50.0)(x, RATE), np.float32)
    y = y / np.abs(y).max()
    write_float_wav(folder / "a.wav", (y * 10 ** (-24 / 20)).astype(np.float32), RATE)
    write_float_wav(folder / "b.wav", (y[:, ::-1] * 10 ** (-30 / 20)).astype(np.float32), RATE)
    return folder


def test_album_mode_keeps_the_track_to_track_difference(capsys, album, tmp_path):
    before = [analyze_file(album / f"{n}.wav")[1].loudness.integrated_lufs for n in "ab"]
    out = tmp_path / "mastered"
    code, results, err = run_json(capsys, "apply", album / "a.wav", album / "b.wav", "-o", out, "--album", "--target", "spotify")
    assert code == 0, err
    assert isinstance(results, list) and len(results) == 2
    for r in results:
        lo = [s for s in r["suggestions"] if s["id"] == "loudness"]
        assert lo and lo[0]["kind"] == "gain", f"the test wants no limiting: {lo}"
    after = [analyze_file(out / f"{n}.wav")[1].loudness.integrated_lufs for n in "ab"]
    assert (after[0] - after[1]) == pytest.approx(before[0] - before[1], abs=0.3), (before, after)
    album_lufs = 10 * math.log10(np.mean([10 ** (v / 10) for v in after]))
    assert album_lufs == pytest.approx(-14.0, abs=0.5), after


def test_album_songs_get_no_cross_track_moves(capsys, tmp_path):
    """An album's songs never play together: no masking cut between them.
    The same two files as stems get a masking cut (the control)."""
    rng = np.random.default_rng(5)
    n = 6 * RATE
    f = np.fft.rfftfreq(n, 1 / RATE)
    for name, lo, hi, rms in (("song1", 1000, 4000, 0.1), ("song2", 2000, 3000, 0.3)):
        spec = np.fft.rfft(rng.standard_normal(n)) * ((f >= lo) & (f <= hi))
        x = np.fft.irfft(spec, n)
        write_float_wav(tmp_path / f"{name}.wav", (x * rms / x.std())[None, :].astype(np.float32), RATE)
    songs = [tmp_path / "song1.wav", tmp_path / "song2.wav"]
    code, stems, err = run_json(capsys, "suggest", *songs)
    assert code == 0, err
    assert [s["id"] for r in stems for s in r["suggestions"] if s["id"].startswith("mask-")], "the control masks"
    code, results, err = run_json(capsys, "apply", *songs, "-o", tmp_path / "m", "--album", "--target", "spotify")
    assert code == 0, err
    cross = [i for r in results for i in [s["id"] for s in r["suggestions"]] + list(r["accepted"])
             if i.startswith("mask-")]  # fmt: skip
    assert not cross, cross


def test_album_needs_a_target(capsys, album, tmp_path):
    code, _, err = run(capsys, "apply", album / "a.wav", album / "b.wav", "-o", tmp_path / "m", "--album")
    assert code == 2 and "--target" in err


def test_suggest_is_nudged_by_the_taste_log_unless_told_not_to(capsys, demo_wav):
    """Five rejected mix compressors in the taste log ($SECONDEAR_TASTE_FILE, private to the
    test) lower the compressor's confidence; --no-taste gives the engine's own figure."""
    from analyzers.suggest import Suggestion
    from presets import Decision, TasteLog

    code, plain, _ = run_json(capsys, "suggest", demo_wav, "--genre", "pop", "--no-taste")
    assert code == 0
    comp = next(s for s in plain["suggestions"] if s["kind"] == "compressor")
    sug = Suggestion.from_dict(comp)
    log = TasteLog()
    for _ in range(5):
        log.append(Decision(verdict="rejected", suggestion_id=sug.id, kind="compressor", proposed=dict(sug.move.params),
                            role="mix", genre="pop"))  # fmt: skip
    code, nudged, _ = run_json(capsys, "suggest", demo_wav, "--genre", "pop")
    after = next(s for s in nudged["suggestions"] if s["id"] == comp["id"])
    assert after["confidence"] < comp["confidence"] - 0.05
    assert any(n.startswith(f"taste: {comp['id']}") for n in nudged["notes"])
    code, again, _ = run_json(capsys, "suggest", demo_wav, "--genre", "pop", "--no-taste")
    assert next(s for s in again["suggestions"] if s["id"] == comp["id"])["confidence"] == comp["confidence"]
