"""A suggestion's predicted figures recomputed for its move's present parameters (a tweak).

:func:`repredict` answers each figure a rule predicted with the same model the rule used:
an EQ move's band changes (:func:`analyzers.eq_response.band_response_db`), a compressor's
crest factor (:func:`.dynamics.compressor_crest_drop_db`), a mid/side move's bands and width
(:func:`.stereo.mono_below_change_db`), a gate's floor (its range), a dehum's lines left (the
hum lines whose harmonics it does not notch), a plain gain's loudness and peaks. A figure it
has no model for is dropped, and the caller is told which.
"""

from __future__ import annotations

from dataclasses import replace

from ..eq_response import band_response_db
from ..moves import EQ_KINDS, harmonics
from ..records import Analysis
from ..spectrum import EXACT_CENTRES_HZ, NOMINAL_CENTRES_HZ
from .dynamics import compressor_crest_drop_db
from .records import Suggestion
from .stereo import mono_below_change_db


def repredict(s: Suggestion, analysis: Analysis) -> tuple[Suggestion, tuple[str, ...]]:
    """``s`` with every predicted figure recomputed for ``s.move`` on the input ``analysis``,
    and the figures that could not be (dropped from its ``predicted``)."""
    out: dict[str, float] = {}
    dropped = []
    for key in s.predicted:
        value = _figure(s, analysis, key)
        if value is None:
            dropped.append(key)
        else:
            out[key] = value
    return replace(s, predicted=out), tuple(dropped)


def _figure(s: Suggestion, a: Analysis, key: str) -> float | None:
    m, p = s.move, s.move.params
    if key.startswith("band_"):
        j = list(NOMINAL_CENTRES_HZ).index(float(key.split("_")[1]))
        if m.kind in EQ_KINDS:
            return round(float(band_response_db(m, EXACT_CENTRES_HZ[j], a.sample_rate_hz)), 2)
        loss = a.spectrum.mono_loss_db[j]
        if m.kind == "width" and loss is not None:
            return mono_below_change_db(loss, m, EXACT_CENTRES_HZ[j], a.sample_rate_hz)
        return None
    if m.kind == "compressor" and key == "crest_db" and a.levels.crest_db is not None:
        peak = a.levels.sample_peak_dbfs or 0.0
        return round(a.levels.crest_db - compressor_crest_drop_db(peak, p["threshold_db"], p["attack_ms"]), 1)
    if m.kind == "gate" and key == "noise_floor_dbfs" and a.noise is not None and a.noise.floor_dbfs is not None:
        return round(a.noise.floor_dbfs - p["range_db"], 1)
    if m.kind == "dehum" and key == "hum_lines" and a.hum is not None:
        notched = set(harmonics(m))
        return float(sum(1 for ln in a.hum.lines if ln.harmonic not in notched))
    if m.kind == "width" and key == "width" and a.stereo.width is not None and not p["mono_below_hz"]:
        g = 10 ** (p["side_gain_db"] / 10) * a.stereo.width / max(1e-6, 1 - a.stereo.width)
        return round(g / (1 + g), 3)
    if m.kind == "gain" and key == "integrated_lufs" and a.loudness.integrated_lufs is not None:
        return round(a.loudness.integrated_lufs + p["gain_db"], 2)
    if m.kind == "gain" and key == "true_peak_dbtp" and a.levels.true_peak_dbtp is not None:
        return round(a.levels.true_peak_dbtp + p["gain_db"], 2)
    return None
