"""Reading files: every format pedalboard reads, and every kind of bad file."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from pedalboard.io import AudioFile

from bridge.audio_io import iter_blocks, probe, read_audio
from bridge.errors import AudioReadError
from bridge.measure import analyze_file
from signals import require_executable, sine, write_float_wav, write_wav16

RATE = 48000


@pytest.mark.parametrize("ext", ["wav", "flac", "aiff", "mp3", "ogg"])
def test_formats_read_at_the_level_written(tmp_path, ext):
    x = sine(997.0, -20.0, 5.0, RATE)
    path = tmp_path / f"tone.{ext}"
    kwargs = {"quality": "V0"} if ext == "mp3" else {}
    with AudioFile(str(path), "w", RATE, 2, **kwargs) as f:
        f.write(x)
    info, analysis = analyze_file(path)
    assert info.num_channels == 2 and info.sample_rate_hz == RATE
    assert abs(info.duration_s - 5.0) < 0.1  # MP3 adds encoder padding
    # a 997 Hz sine at −20 dBFS peak in both channels reads −20.0 LUFS (EBU convention)
    assert analysis.loudness.integrated_lufs == pytest.approx(-20.0, abs=0.15)
    assert analysis.levels.sample_peak_dbfs == pytest.approx(-20.0, abs=0.3)


def test_blocks_are_bounded_and_cover_the_file(tmp_path):
    x = sine(440.0, -6.0, 3.0, RATE)
    write_wav16(tmp_path / "a.wav", x, RATE)
    info = probe(tmp_path / "a.wav")
    blocks = list(iter_blocks(info, block_frames=10_000))
    assert max(b.shape[1] for b in blocks) == 10_000
    assert sum(b.shape[1] for b in blocks) == x.shape[1]
    assert all(b.dtype == np.float32 and b.shape[0] == 2 for b in blocks)
    y, rate = read_audio(tmp_path / "a.wav")
    assert rate == RATE and np.max(np.abs(y - x)) < 1e-4  # 16-bit quantisation


def test_empty_file_is_a_clear_error(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioReadError, match="empty file"):
        probe(tmp_path / "empty.wav")


def test_text_named_wav_is_a_clear_error(tmp_path):
    (tmp_path / "notes.wav").write_text("this is not audio\n" * 20)
    with pytest.raises(AudioReadError, match="not a readable audio file"):
        probe(tmp_path / "notes.wav")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(AudioReadError, match="no such file"):
        probe(tmp_path / "nope.wav")
    with pytest.raises(AudioReadError, match="folder"):
        probe(tmp_path)


def test_header_only_wav_holds_no_audio(tmp_path):
    write_wav16(tmp_path / "a.wav", sine(440.0, -6.0, 1.0, RATE), RATE)
    data = (tmp_path / "a.wav").read_bytes()
    (tmp_path / "head.wav").write_bytes(data[:44])
    with pytest.raises(AudioReadError):
        probe(tmp_path / "head.wav")


@pytest.mark.parametrize("ext", ["wav", "aiff"])
def test_truncated_file_measures_what_is_there_and_says_so(tmp_path, ext):
    # first second quiet, then loud: a file cut in the middle keeps only the quiet part
    x = np.concatenate([sine(1000.0, -30.0, 2.0, RATE), sine(1000.0, -10.0, 2.0, RATE)], axis=1)
    path = tmp_path / f"full.{ext}"
    with AudioFile(str(path), "w", RATE, 2, bit_depth=16) as f:
        f.write(x)
    data = path.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) // 2 - 1000])
    info, analysis = analyze_file(cut)
    assert info.num_frames < x.shape[1] // 2
    assert any("truncated" in w for w in analysis.warnings)
    # pedalboard alone would pad with silence and report 4 s; we measure only the −30 dBFS part
    assert analysis.loudness.integrated_lufs == pytest.approx(-30.0, abs=0.1)
    assert abs(analysis.duration_s - info.num_frames / RATE) < 1e-9


def test_nan_and_inf_samples_are_reported_not_fatal(tmp_path):
    x = sine(1000.0, -23.0, 6.0, RATE)
    x[0, 1000] = np.nan
    x[1, 50_000] = np.inf
    write_float_wav(tmp_path / "bad.wav", x, RATE)
    _, analysis = analyze_file(tmp_path / "bad.wav")
    assert analysis.hygiene.nonfinite_samples == 2
    assert any("NaN/Inf" in w for w in analysis.warnings)
    assert analysis.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 96000, 384000])
def test_odd_and_extreme_rates(tmp_path, rate):
    write_wav16(tmp_path / "r.wav", sine(1000.0, -23.0, 4.0, rate), rate)
    info, analysis = analyze_file(tmp_path / "r.wav")
    assert info.sample_rate_hz == rate
    assert analysis.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize("channels", [1, 6])
def test_mono_and_six_channels(tmp_path, channels):
    x = sine(1000.0, -23.0, 4.0, RATE, channels=channels)
    if channels == 6:
        x[3] = 0.0  # LFE silent; L R C Ls Rs all at −23 dBFS
    write_wav16(tmp_path / "m.wav", x, RATE)
    info, analysis = analyze_file(tmp_path / "m.wav")
    assert info.num_channels == channels
    # power sum: mono −23 → −26.0 LUFS (one channel); 5.1: L,R,C weight 1, Ls,Rs 1.41
    expected = -23.0 - 3.01 if channels == 1 else -23.0 - 3.01 + 10 * np.log10(3 + 2 * 1.41)
    assert analysis.loudness.integrated_lufs == pytest.approx(expected, abs=0.1)


def test_progress_is_reported_to_the_end(tmp_path):
    write_wav16(tmp_path / "a.wav", sine(440.0, -6.0, 3.0, RATE), RATE)
    seen = []
    analyze_file(tmp_path / "a.wav", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3 * RATE, 3 * RATE)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.skipif(sys.platform != "linux", reason="pedalboard decodes AAC through CoreAudio/Media Foundation elsewhere")
def test_an_m4a_is_refused_with_how_to_convert_it(tmp_path):
    """Found by trying the installed product: an .m4a got only "does not seem to contain audio
    data", which reads as a broken file; it is an AAC file this system does not decode."""
    ffmpeg = require_executable("ffmpeg")
    wav, m4a = tmp_path / "take.wav", tmp_path / "take é.m4a"
    write_wav16(wav, sine(440.0, -12.0, 1.0, 48000), 48000)
    subprocess.run([ffmpeg, "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True)
    with pytest.raises(AudioReadError) as err:
        probe(m4a)
    text = str(err.value)
    assert "\n" not in text and str(m4a) in text and "not decoded on this system" in text and "ffmpeg -i" in text
