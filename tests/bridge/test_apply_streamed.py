"""``apply`` renders in passes over the file (memory that does not grow with it) also when a
limiter holds the peaks and the loudness move closes its loop: the written file equals the
in-memory render of the same accepted moves (:func:`bridge.apply.apply_suggestions`, the
whole array through ``limit`` and the closed loop), sample for sample to the 24-bit file's
step, and it lands on the target."""

from __future__ import annotations

import numpy as np
import pytest
from signals import drum_loop, pink_noise, write_float_wav

from analyzers import analyze
from analyzers.context import make_context
from bridge import apply as apply_mod
from bridge.apply import apply_suggestions, run_apply, select
from bridge.audio_io import read_audio, write_audio
from bridge.advise import advise

RATE = 48000
STEP_24BIT = 2.0**-23


def _loud_drums(seconds: float = 40.0, *, clip: bool = False) -> np.ndarray:
    """``clip``: the 50 ms over full scale cut at full scale, as a fixed-point file holds it
    (then a limiter answers its true peak; a float file's overs get plain gain instead)."""
    rng = np.random.default_rng(12)
    x = drum_loop(rng, seconds, RATE) * 0.4 + 0.5 * pink_noise(rng, seconds, RATE)
    x[:, RATE * 10 : RATE * 12] *= 1.5  # a louder part
    x[:, RATE * 20 : RATE * 20 + 2400] *= 4.0  # 50 ms over full scale: a true peak of about +4 dBTP
    return (np.clip(x, -1.0, 1.0) if clip else x).astype(np.float32)


def _in_memory(src, ctx, accept: str, tmp_path) -> np.ndarray:
    """The in-memory render, written as apply writes (24-bit) and read back."""
    audio, rate = read_audio(src)
    before = analyze(audio, rate)
    chosen = select(advise(before, ctx), accept)
    y, _ = apply_suggestions(audio, rate, before, chosen, destination=ctx.destination)
    write_audio(tmp_path / "in_memory.wav", y, rate)
    return read_audio(tmp_path / "in_memory.wav")[0]


@pytest.mark.parametrize(("target", "accept"), [("spotify", "loudness"), (None, "true-peak-limit")])
def test_streamed_apply_equals_the_in_memory_render(tmp_path, monkeypatch, target, accept):
    src = tmp_path / "in.wav"
    write_float_wav(src, _loud_drums(clip=target is None), RATE)
    ctx = make_context(role_name="mix", target=target)
    passes = []
    real = apply_mod._measure_pass
    monkeypatch.setattr(apply_mod, "_measure_pass", lambda info, moves: passes.append(list(moves)) or real(info, moves))
    monkeypatch.setattr(apply_mod, "read_audio", lambda *a: pytest.fail("the streamed apply read the whole file"))
    advice, report = run_apply(src, tmp_path / "out.wav", ctx, accept=accept)
    monkeypatch.undo()
    assert passes and any(m.kind == "limiter" for m in passes[-1])  # it measured through a limiter
    written, _ = read_audio(tmp_path / "out.wav")
    expected = _in_memory(src, ctx, accept, tmp_path)
    assert written.shape == expected.shape
    # both 24-bit: the same samples, or one step apart where a float32 rounding of the gain
    # fell on the other side of a step
    diff = np.abs(written - expected)
    assert float(diff.max()) <= STEP_24BIT * 1.01, float(diff.max())
    assert np.count_nonzero(diff) <= 1e-3 * diff.size
    after = report.after
    if target is not None:
        assert abs(after.loudness.integrated_lufs - ctx.destination.lufs) <= 0.1 + 0.01
        assert after.levels.true_peak_dbtp <= ctx.destination.ceiling_dbtp + 0.01
    else:
        assert after.levels.true_peak_dbtp <= -1.0 + 0.01
        assert analyze(read_audio(src)[0], RATE).levels.true_peak_dbtp > 0.0


def test_a_clean_control_gets_no_limiter_and_streams_one_gain(tmp_path, monkeypatch):
    """A chord of four sines (crest about 6 dB) at −19 LUFS: +5 dB of gain reaches Spotify's
    level with the peaks far under the ceiling; the loudness move is a gain, no limiter pass."""
    src = tmp_path / "in.wav"
    t = np.arange(RATE * 40) / RATE
    chord = sum(0.06 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6, 440.0))
    write_float_wav(src, np.stack([chord, chord]).astype(np.float32), RATE)
    ctx = make_context(role_name="mix", target="spotify")
    passes = []
    real = apply_mod._measure_pass
    monkeypatch.setattr(apply_mod, "_measure_pass", lambda info, moves: passes.append(list(moves)) or real(info, moves))
    advice, report = run_apply(src, tmp_path / "out.wav", ctx, accept="loudness")
    assert advice.by_id("loudness").move.kind == "gain"
    assert not any(m.kind == "limiter" for p in passes for m in p)
    expected = _in_memory(src, ctx, "loudness", tmp_path)
    written, _ = read_audio(tmp_path / "out.wav")
    assert float(np.abs(written - expected).max()) <= STEP_24BIT * 1.01
    assert abs(report.after.loudness.integrated_lufs - ctx.destination.lufs) <= 0.1 + 0.01
