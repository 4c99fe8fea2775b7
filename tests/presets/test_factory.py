"""The factory presets: each loads, says where its values come from, and renders through the
bridge's render code on stereo pink noise (``tests/signals.py``) with the effect it claims,
measured by the analyzers."""

from __future__ import annotations

import numpy as np
import pytest

from analyzers import analyze
from analyzers.eq_response import band_response_db
from analyzers.spectrum import EXACT_CENTRES_HZ, NOMINAL_CENTRES_HZ
from bridge.slots import build_slots, render_slots
from analyzers.moves import EQ_KINDS
from presets import PresetStore, factory_presets
from signals import pink_noise

RATE = 48000
NAMES = ("Vocal clean-up", "Mix bus glue", "Streaming master −14 LUFS", "Kick tighten")


@pytest.fixture(scope="module")
def noise():
    """Six seconds of stereo pink noise and its integrated loudness."""
    x = pink_noise(np.random.default_rng(7), 6.0, RATE, level_dbfs=-20.0)
    return x, analyze(x, RATE).loudness.integrated_lufs


def at_lufs(noise, lufs: float) -> np.ndarray:
    x, measured = noise
    return (x * 10 ** ((lufs - measured) / 20)).astype(np.float32)


def render(name: str, x: np.ndarray):
    preset = PresetStore(factory=True).load(name)
    y = render_slots(x, RATE, build_slots(preset.chain)).audio
    assert y.shape == x.shape and np.isfinite(y).all()
    return preset, analyze(x, RATE), analyze(y, RATE)


def band_changes(before, after) -> dict[float, float]:
    """Each 1/3-octave band's level change (dB), absolute levels (the spectrum is relative to its total)."""
    out = {}
    for j, nominal in enumerate(NOMINAL_CENTRES_HZ):
        a, b = before.spectrum.level_db[j], after.spectrum.level_db[j]
        if a is not None and b is not None:
            out[nominal] = (b + after.spectrum.total_dbfs) - (a + before.spectrum.total_dbfs)
    return out


def check_eq(preset, before, after, *, tol_db: float) -> dict[float, float]:
    """Measured band changes against the EQ moves' predicted response, band by band (20 Hz–16 kHz)."""
    eq = [m for m in preset.chain.moves if m.kind in EQ_KINDS]
    changes = band_changes(before, after)
    level_shift = 0.0
    if any(m.kind == "compressor" for m in preset.chain.moves):  # broadband gain reduction moves every band alike
        level_shift = after.loudness.integrated_lufs - before.loudness.integrated_lufs
    for j, nominal in enumerate(NOMINAL_CENTRES_HZ):
        if nominal in changes and nominal <= 16000:
            predicted = sum(band_response_db(m, EXACT_CENTRES_HZ[j], RATE) for m in eq)
            tol = tol_db + (0.3 if nominal < 100 else 0.0)  # few FFT bins per band down there: more variance
            assert changes[nominal] - level_shift == pytest.approx(predicted, abs=tol), (preset.name, nominal)
    return changes


def test_every_factory_preset_loads_and_names_its_source_and_licence():
    presets = {p.name: p for _, p in factory_presets()}
    assert set(presets) == set(NAMES)
    for p in presets.values():
        assert p.source and p.notes and p.licence.startswith("GPL-3.0-or-later"), p.name
        assert p.tags and p.chain.slots and p.provenance.context.role, p.name
        assert "shared/reference/" in p.source or "analyzers/data/roles.json" in p.source, p.name
        assert all(s.to_dict()["kind"] == "builtin" for s in p.chain.slots), p.name  # no plugin needed


def test_vocal_clean_up_cuts_the_lows_and_the_mud_and_lifts_presence(noise):
    preset, before, after = render("Vocal clean-up", at_lufs(noise, -20))
    changes = check_eq(preset, before, after, tol_db=0.3)
    assert changes[40.0] < -10 and changes[63.0] < -4  # under the 80 Hz high-pass
    assert -3.3 < changes[315.0] < -2.5  # the 300 Hz cut
    assert 1.6 < changes[5000.0] < 2.3  # the presence lift
    print(f"\nVocal clean-up: 40 Hz {changes[40.0]:+.1f} dB, 315 Hz {changes[315.0]:+.1f} dB, 5 kHz {changes[5000.0]:+.1f} dB")


@pytest.mark.parametrize("lufs, low, high", [(-18.0, 0.8, 2.0), (-14.0, 2.5, 4.0)])
def test_mix_bus_glue_takes_one_to_four_db_off_a_mix_at_mixing_levels(noise, lufs, low, high):
    preset, before, after = render("Mix bus glue", at_lufs(noise, lufs))
    reduction = before.loudness.integrated_lufs - after.loudness.integrated_lufs
    assert low < reduction < high
    check_eq(preset, before, after, tol_db=0.3)  # no EQ: the spectrum's shape is kept
    print(f"\nMix bus glue at {lufs:g} LUFS: {reduction:.2f} dB of gain reduction (integrated)")


def test_streaming_master_reaches_minus_14_lufs_under_minus_1_dbtp(noise):
    preset, before, after = render("Streaming master −14 LUFS", at_lufs(noise, -18))
    assert after.loudness.integrated_lufs == pytest.approx(-14.0, abs=0.3)
    assert after.levels.true_peak_dbtp <= -1.0
    # a hot master: the limiter holds the ceiling (measured true peak, BS.1770-4 Annex 2)
    _, hot_before, hot = render("Streaming master −14 LUFS", at_lufs(noise, -12))
    assert hot_before.levels.true_peak_dbtp + 4.0 > 0.0  # the drive alone would go over full scale
    assert hot.levels.true_peak_dbtp <= -1.0
    print(f"\nStreaming master: -18 LUFS in -> {after.loudness.integrated_lufs:.2f} LUFS, "
          f"{after.levels.true_peak_dbtp:+.2f} dBTP; hot in -> {hot.levels.true_peak_dbtp:+.2f} dBTP")  # fmt: skip


def test_kick_tighten_clears_sub_rumble_and_box_and_compresses_a_hot_kick(noise):
    preset, before, after = render("Kick tighten", at_lufs(noise, -12))
    changes = check_eq(preset, before, after, tol_db=0.4)
    assert changes[20.0] - changes[1000.0] < -10  # under the 30 Hz high-pass (24 dB/oct)
    assert changes[400.0] - changes[4000.0] == pytest.approx(-2.9, abs=0.4)  # the 400 Hz cut
    reduction = before.loudness.integrated_lufs - after.loudness.integrated_lufs
    assert reduction > 1.5  # the 4:1 compressor at -18 dB on a kick at -12 LUFS
    print(f"\nKick tighten: 20 Hz {changes[20.0] - changes[1000.0]:+.1f} dB, 400 Hz {changes[400.0] - changes[4000.0]:+.1f} dB "
          "(against the mids and highs), "
          f"{reduction:.1f} dB of gain reduction")  # fmt: skip
