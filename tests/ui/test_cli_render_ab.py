"""``secondear render`` and ``secondear ab``, in process through :func:`ui.cli.main`.

Measured on stereo pink noise: a built-in peak's 1/3-octave band change against its
prediction, the same move on the real ZamEQ2 (mono, so dual mono) in its worker process,
the saved chain reproducing the render, and an A/B over a region whose exports have the
same integrated loudness. The ZamEQ2 tests need the plugins ``scripts/fetch-plugins``
fetches (a skip says so; CI has them); the index is a temporary file.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from analyzers import analyze
from bridge.audio_io import read_audio
from bridge.plugins import fetched_plugin_folder
from signals import pink_noise, write_float_wav
from ui.cli import main

RATE = 48000
PEAK = "peak freq_hz=1000 gain_db=6 q=1"


@pytest.fixture(scope="module")
def noise_wav(tmp_path_factory):
    """Six seconds of stereo pink noise at −20 dBFS RMS, 32-bit float."""
    path = tmp_path_factory.mktemp("render") / "noise.wav"
    write_float_wav(path, pink_noise(np.random.default_rng(11), 6.0, RATE, channels=2), RATE)
    return path


def run_json(capsys, *args):
    code = main([str(a) for a in args] + ["--json"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


def test_render_moves_with_the_builtins_band_change_matches_prediction(capsys, noise_wav, tmp_path):
    out, chain = tmp_path / "out.wav", tmp_path / "chain.json"
    code, d, err = run_json(capsys, "render", noise_wav, "-o", out, "--move", PEAK, "--save-chain", chain)
    assert code == 0, err
    (c,) = d["checks"]
    assert c["band_hz"] == 1000.0 and c["response_at_freq_db"] == pytest.approx(6.0, abs=0.01)
    assert abs(c["measured_db"] - c["predicted_db"]) < 0.5
    print(f"built-in: predicted {c['predicted_db']:+.2f} dB, measured {c['measured_db']:+.2f} dB")
    assert d["slots"][0]["kind"] == "builtin" and d["latency_samples"] == 0
    y, rate = read_audio(out)
    assert rate == RATE and y.shape == (2, 6 * RATE)
    saved = json.loads(chain.read_text())
    assert saved == {"schema": 1, "slots": [{"kind": "builtin", "move": {"kind": "peak", "params": {
        "freq_hz": 1000.0, "gain_db": 6.0, "q": 1.0}}}]}  # fmt: skip
    # the text form says what was rendered and the check
    assert main(["render", str(noise_wav), "-o", str(out), "--chain", str(chain)]) == 0
    text = capsys.readouterr().out
    assert "peak 1 kHz +6.0 dB Q 1.00" in text and "predicted +" in text and "measured +" in text


def test_render_usage_errors(capsys, noise_wav, tmp_path):
    out = str(tmp_path / "o.wav")
    assert main(["render", str(noise_wav), "-o", out]) == 2
    assert "either --chain" in capsys.readouterr().err
    assert main(["render", str(noise_wav), "-o", out, "--move", "peak freq_hz=1000 gain_db=99"]) == 2
    assert "gain_db" in capsys.readouterr().err
    assert main(["render", str(noise_wav), "-o", str(noise_wav), "--move", PEAK]) == 2
    assert "is the input file" in capsys.readouterr().err


@pytest.fixture(scope="module")
def zam_index(tmp_path_factory):
    """A plugin index holding the fetched ZamEQ2 (scanned in a child process)."""
    from bridge.plugins import scan_plugins

    bundle = fetched_plugin_folder() / "ZamEQ2.vst3"
    if not bundle.is_dir():
        pytest.skip(f"VST3 plugin ZamEQ2 is not in {bundle.parent}: run scripts/fetch-plugins "
                    "(scripts/setup-system runs it; CI does)")  # fmt: skip
    index = tmp_path_factory.mktemp("index") / "plugin-index.json"
    report = scan_plugins([bundle], index_path=index, remember=False)
    assert [p.name for p in report.plugins] == ["ZamEQ2"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SECONDEAR_PLUGIN_INDEX", str(index))
        yield index


def test_render_on_zameq2_runs_dual_mono_and_meets_the_prediction(capsys, noise_wav, tmp_path, zam_index):
    out, chain = tmp_path / "zam.wav", tmp_path / "zam.json"
    code, d, err = run_json(capsys, "render", noise_wav, "-o", out, "--plugin", "zameq2", "--move", PEAK,
                            "--save-chain", chain)  # fmt: skip
    assert code == 0, err
    (slot,) = d["slots"]
    assert slot["kind"] == "plugin" and slot["name"] == "ZamEQ2" and slot["mode"] == "dual_mono"
    assert slot["status"] == "ok" and slot["nonfinite_samples"] == 0
    (c,) = d["checks"]
    assert abs(c["measured_db"] - c["predicted_db"]) < 1.0
    y, _ = read_audio(out)
    assert y.shape == (2, 6 * RATE) and np.isfinite(y).all()
    # the saved chain names the plugin, its mapped parameters, its state and the move it realises
    saved = json.loads(chain.read_text())
    (p,) = saved["slots"]
    assert p["kind"] == "plugin" and p["name"] == "ZamEQ2" and p["format"] == "vst3"
    assert p["params"]["frequency_1_hz"] == 1000.0 and p["params"]["boost_cut_1_db"] == 6.0
    assert p["state_b64"] and p["moves"] == [{"kind": "peak", "params": {"freq_hz": 1000.0, "gain_db": 6.0, "q": 1.0}}]
    # and rendering it reproduces the render exactly
    again = tmp_path / "again.wav"
    code, d2, err = run_json(capsys, "render", noise_wav, "-o", again, "--chain", chain)
    assert code == 0, err
    assert np.array_equal(read_audio(again)[0], y) and d2["checks"] == d["checks"]
    print(f"ZamEQ2 dual mono: predicted {c['predicted_db']:+.2f} dB, measured {c['measured_db']:+.2f} dB")


def test_render_plugin_errors_are_clear(capsys, noise_wav, tmp_path, zam_index):
    out = str(tmp_path / "x.wav")
    assert main(["render", str(noise_wav), "-o", out, "--plugin", "ZamEQ", "--move", PEAK]) == 2
    assert "did you mean: ZamEQ2" in capsys.readouterr().err
    assert main(["render", str(noise_wav), "-o", out, "--plugin", "ZamEQ2", "--move", "compressor threshold_db=-20 ratio=3"]) == 2
    assert "cannot go on ZamEQ2" in capsys.readouterr().err


@pytest.fixture
def builtin_chain(tmp_path):
    path = tmp_path / "chain.json"
    path.write_text(json.dumps({"schema": 1, "slots": [
        {"kind": "builtin", "move": {"kind": "peak", "params": {"freq_hz": 3000, "gain_db": 6, "q": 0.7}}},
        {"kind": "builtin", "move": {"kind": "gain", "params": {"gain_db": 2}}}]}))  # fmt: skip
    return path


def test_ab_region_exports_are_loudness_matched(capsys, noise_wav, tmp_path, builtin_chain):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    code, d, err = run_json(capsys, "ab", noise_wav, "--chain", builtin_chain, "--region", "1:3",
                            "--export-a", a, "--export-b", b)  # fmt: skip
    assert code == 0, err
    assert d["region_s"] == [1.0, 3.0] and d["samples"] == 2 * RATE
    assert d["offset_db"] > 2.0  # B was louder by more than the 2 dB of gain…
    assert d["gain_b_db"] == pytest.approx(-d["offset_db"], abs=1e-3) and d["gain_a_db"] == 0.0  # …so B went down
    assert d["latency_samples"] == 0 and d["exported"] == {"a": str(a), "b": str(b)}
    ya, yb = read_audio(a)[0], read_audio(b)[0]
    assert ya.shape == yb.shape == (2, 2 * RATE)
    la, lb = analyze(ya, RATE).loudness.integrated_lufs, analyze(yb, RATE).loudness.integrated_lufs
    assert abs(la - lb) < 0.1
    print(f"A/B 1–3 s: offset {d['offset_db']:+.2f} dB removed; exports {la:.2f} vs {lb:.2f} LUFS")
    # A is the original region, untouched (it was the quieter one)
    x, _ = read_audio(noise_wav)
    assert np.max(np.abs(ya - x[:, RATE : 3 * RATE])) < 1e-6  # 24-bit export


def test_ab_play_without_a_device_says_so_and_plays_nothing(capsys, noise_wav, builtin_chain, monkeypatch):
    """--play asks for sound: with no device the A/B is still printed, and one line on stderr
    says nothing was played, exit 1 (it was exit 0, the line on stdout)."""
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as if not installed: import fails
    code = main(["ab", str(noise_wav), "--chain", str(builtin_chain), "--region", "0:2", "--play", "b"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith("A/B noise.wav") and "nothing played" not in out
    assert err.splitlines() == ["secondear: no audio output device: sounddevice is not installed "
                                "(pip install 'secondear[audio]'): nothing played"]  # fmt: skip
    code, d, err = run_json(capsys, "ab", noise_wav, "--chain", builtin_chain, "--play", "a")
    assert code == 1 and d["played"] is None and "no audio output device" in d["play_message"]
    assert "nothing played" in err


def test_ab_bad_region_is_a_usage_error(capsys, noise_wav, builtin_chain):
    assert main(["ab", str(noise_wav), "--chain", str(builtin_chain), "--region", "3:1"]) == 2
    assert "START must be 0 or more and END after it" in capsys.readouterr().err
    assert main(["ab", str(noise_wav), "--chain", str(builtin_chain), "--region", "30:45"]) == 2
    assert "starts after the audio ends" in capsys.readouterr().err


def test_ab_through_a_plugin_with_latency_reports_it_and_keeps_a_and_b_aligned(capsys, noise_wav, tmp_path):
    bundle = fetched_plugin_folder() / "ZaMaximX2.vst3"
    if not bundle.is_dir():
        pytest.skip(f"VST3 plugin ZaMaximX2 is not in {bundle.parent}: run scripts/fetch-plugins "
                    "(scripts/setup-system runs it; CI does)")  # fmt: skip
    chain = tmp_path / "maxim.json"  # a bundle in the fetched-plugin folder: allowed without a scan
    chain.write_text(json.dumps({"schema": 1, "slots": [{"kind": "plugin", "name": "ZaMaximX2", "path": str(bundle),
                                                         "format": "vst3", "params": {"threshold_db": 0.0}}]}))  # fmt: skip
    b = tmp_path / "b.wav"
    code, d, err = run_json(capsys, "ab", noise_wav, "--chain", chain, "--region", "1:3", "--export-b", b)
    assert code == 0, err
    assert d["latency_samples"] == 480 and d["slots"][0]["mode"] == "stereo"
    x, _ = read_audio(noise_wav)
    a, y = x[0, RATE : 3 * RATE].astype(np.float64), read_audio(b)[0][0].astype(np.float64)
    lags = range(-600, 601, 8)
    corr = [float(np.dot(a[600:-600], np.roll(y, -k)[600:-600])) for k in lags]
    assert list(lags)[int(np.argmax(corr))] == 0  # B lines up with A: the latency is compensated


def test_ab_accept_all_on_a_file_with_nothing_to_suggest_says_leave_it(capsys, tmp_path):
    """Found by trying the installed product: it said "name the suggestions to audition" when
    there were none to name."""
    rng = np.random.default_rng(1)
    n = 6 * 48000
    f = np.fft.rfftfreq(n, 1 / 48000)
    x = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * np.where(f >= 20, 1 / np.sqrt(np.maximum(f, 20)), 0), n)
    src = tmp_path / "clean.wav"
    write_float_wav(src, (x[None, :] / np.sqrt(np.mean(x**2)) * 0.1).astype(np.float32), 48000)
    assert main(["suggest", str(src), "--no-taste", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["suggestions"] == []
    assert main(["ab", str(src), "--no-taste", "--accept", "all"]) == 1
    err = capsys.readouterr().err
    assert "suggests no move" in err and "name the suggestions" not in err
