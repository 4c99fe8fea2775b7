"""``secondear analyze``: the table, the JSON contract, exit codes and bad files."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from signals import sine, write_float_wav, write_wav16
from ui.cli import main

RATE = 48000
REQUIRED_KEYS = {
    "path", "sample_rate", "channels", "duration_s", "integrated_lufs", "short_term_max_lufs",
    "momentary_max_lufs", "lra_lu", "true_peak_dbtp", "sample_peak_dbfs", "crest_db", "plr_db",
    "correlation", "width", "dc_offset", "clipped_samples", "bands",
}  # fmt: skip


def run_json(capsys, *args):
    code = main(["analyze", "--json", *map(str, args)])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_json_has_the_documented_keys_and_values(tmp_path, capsys):
    write_wav16(tmp_path / "t.wav", sine(1000.0, -23.0, 10.0, RATE), RATE)
    code, d, _ = run_json(capsys, tmp_path / "t.wav")
    assert code == 0
    assert REQUIRED_KEYS <= d.keys()
    assert d["sample_rate"] == RATE and d["channels"] == 2 and d["duration_s"] == 10.0
    assert d["integrated_lufs"] == pytest.approx(-23.0, abs=0.1)
    assert d["true_peak_dbtp"] == pytest.approx(-23.0, abs=0.2)
    assert d["crest_db"] == pytest.approx(3.01, abs=0.05)  # a sine's crest factor
    assert d["plr_db"] == pytest.approx(d["true_peak_dbtp"] - d["integrated_lufs"], abs=0.02)
    assert len(d["bands"]) == 31 and d["bands"][0]["hz"] == 20 and d["bands"][-1]["hz"] == 20000
    loudest = max(d["bands"], key=lambda b: -999 if b["db"] is None else b["db"])
    assert loudest["hz"] == 1000


def test_several_files_give_an_array_in_order(tmp_path, capsys):
    write_wav16(tmp_path / "a.wav", sine(1000.0, -20.0, 4.0, RATE), RATE)
    write_wav16(tmp_path / "b.wav", sine(1000.0, -30.0, 4.0, RATE), RATE)
    code, d, _ = run_json(capsys, tmp_path / "a.wav", tmp_path / "b.wav")
    assert code == 0 and isinstance(d, list) and len(d) == 2
    assert d[0]["integrated_lufs"] - d[1]["integrated_lufs"] == pytest.approx(10.0, abs=0.05)


def test_silence_is_no_signal_never_infinity(tmp_path, capsys):
    write_wav16(tmp_path / "z.wav", np.zeros((2, RATE * 4), np.float32), RATE)
    code, d, _ = run_json(capsys, tmp_path / "z.wav")
    assert code == 0
    assert d["loudness_status"] == "no signal"
    assert d["integrated_lufs"] is None and d["true_peak_dbtp"] is None
    assert any("no signal" in w for w in d["warnings"])
    code = main(["analyze", str(tmp_path / "z.wav")])
    assert "no signal" in capsys.readouterr().out


def test_no_infinities_or_nans_anywhere_in_json(tmp_path, capsys):
    x = sine(1000.0, -6.0, 1.0, RATE)
    x[:, :100] = np.nan
    write_float_wav(tmp_path / "n.wav", x, RATE)
    write_wav16(tmp_path / "one.wav", np.full((1, 1), 0.5, np.float32), RATE)
    code, d, _ = run_json(capsys, tmp_path / "n.wav", tmp_path / "one.wav")
    assert code == 0

    def walk(v):
        if isinstance(v, float):
            assert math.isfinite(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(d)
    assert d[0]["nonfinite_samples"] == 200
    assert d[1]["loudness_status"] == "too short" and d[1]["sample_peak_dbfs"] == pytest.approx(-6.02, abs=0.01)


def test_unreadable_input_exits_non_zero_and_keeps_the_others(tmp_path, capsys):
    write_wav16(tmp_path / "ok.wav", sine(1000.0, -20.0, 4.0, RATE), RATE)
    (tmp_path / "bad.wav").write_text("not audio")
    code, d, err = run_json(capsys, tmp_path / "ok.wav", tmp_path / "bad.wav")
    assert code == 1
    assert d[0]["integrated_lufs"] == pytest.approx(-20.0, abs=0.1)
    assert "error" in d[1] and "not a readable audio file" in d[1]["error"]
    assert "bad.wav" in err


def test_table_is_readable(tmp_path, capsys):
    x = np.concatenate([sine(220.0, -30.0, 12.0, RATE), sine(220.0, -12.0, 12.0, RATE)], axis=1)
    write_wav16(tmp_path / "song.wav", x, RATE)
    assert main(["analyze", str(tmp_path / "song.wav")]) == 0
    out = capsys.readouterr().out
    for label in ("integrated", "true peak", "loudness range", "correlation", "Sections", "Spectrum"):
        assert label in out
    assert "LUFS" in out and "dBTP" in out


def test_demo_runs_as_a_real_process_with_no_arguments():
    done = subprocess.run([sys.executable, "-m", "ui.cli", "analyze", "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    d = json.loads(done.stdout)
    assert d["path"].startswith("<demo")
    assert -30 < d["integrated_lufs"] < -10
    assert len(d["sections"]) == 2  # quieter verse, louder chorus


def test_usage_error_exits_2():
    done = subprocess.run([sys.executable, "-m", "ui.cli", "analyze", "--bogus"], capture_output=True, text=True)
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr


def test_the_rhythm_line_says_the_tempo_and_how_sure_or_no_steady_beat(tmp_path, capsys, rng):
    from bridge.demo import drum_sounds

    kick, _, _ = drum_sounds(rng, RATE)
    beat = np.zeros((2, 12 * RATE), np.float32)
    for b in range(24):  # 120 BPM for 12 s
        i = b * RATE // 2
        beat[:, i : i + kick.size] += 0.8 * kick[: beat.shape[1] - i]
    write_wav16(tmp_path / "beat.wav", beat, RATE)
    write_wav16(tmp_path / "tone.wav", sine(220.0, -20.0, 12.0, RATE), RATE)
    code, d, _ = run_json(capsys, tmp_path / "beat.wav", tmp_path / "tone.wav")
    assert code == 0
    assert d[0]["tempo_bpm"] == pytest.approx(120.0, rel=0.02) and d[0]["tempo_confidence"] >= 0.15
    assert d[1]["tempo_bpm"] is None and d[1]["tempo_confidence"] < 0.15
    main(["analyze", str(tmp_path / "beat.wav"), str(tmp_path / "tone.wav")])
    text = capsys.readouterr().out
    beat_part, tone_part = text.split("tone.wav")
    rhythm = [line for line in beat_part.splitlines() if line.strip().startswith("tempo")]
    assert rhythm and "120.0 BPM" in rhythm[0] and f"confidence {d[0]['tempo_confidence']:.2f}" in rhythm[0]
    assert "no beat clear enough" in tone_part and "BPM" not in tone_part


def test_a_folder_is_read_without_its_subfolders_and_says_so(capsys, tmp_path):
    """Found by trying the installed product: a folder's subfolders were skipped silently."""
    write_wav16(tmp_path / "a.wav", sine(440.0, -12.0, 1.0, 48000), 48000)
    (tmp_path / "takes 2").mkdir()
    write_wav16(tmp_path / "takes 2" / "b.wav", sine(440.0, -12.0, 1.0, 48000), 48000)
    assert main(["analyze", str(tmp_path), "--json"]) == 0
    out, err = capsys.readouterr()
    d = json.loads(out)
    paths = [r["path"] for r in (d if isinstance(d, list) else [d])]
    assert paths == [str(tmp_path / "a.wav")]
    assert "subfolders are not searched (takes 2)" in err
