"""Plain-data views of an :class:`~analyzers.records.Analysis` (for JSON, OSC and the panel).

The dictionary produced by :func:`analysis_to_dict` is the documented contract of
``secondear analyze --json`` (README, "JSON schema"). It never holds ``-inf`` or NaN: a
figure that could not be measured is ``null`` and ``loudness_status`` / ``warnings`` say why.
"""

from __future__ import annotations

import math
from typing import Any

from .records import Analysis

SCHEMA_VERSION = 1


def loudness_status(analysis: Analysis) -> str:
    """``"ok"``, ``"no signal"`` (silence or below the −70 LUFS gate) or ``"too short"``."""
    if analysis.loudness.integrated_lufs is not None:
        return "ok"
    if analysis.num_samples < 0.4 * analysis.sample_rate_hz:
        return "too short"
    return "no signal"


def analysis_to_dict(analysis: Analysis, *, path: str | None = None) -> dict[str, Any]:
    """The flat, JSON-ready summary of one analysis (schema version :data:`SCHEMA_VERSION`)."""
    lo, lv, sp, st, hy = analysis.loudness, analysis.levels, analysis.spectrum, analysis.stereo, analysis.hygiene
    dc = max(hy.dc_offset, key=abs) if hy.dc_offset else 0.0
    out: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "path": path,
        "sample_rate": _num(analysis.sample_rate_hz),
        "channels": analysis.num_channels,
        "duration_s": round(analysis.duration_s, 3),
        "loudness_status": loudness_status(analysis),
        "integrated_lufs": lo.integrated_lufs,
        "short_term_max_lufs": lo.short_term_max_lufs,
        "momentary_max_lufs": lo.momentary_max_lufs,
        "lra_lu": lo.lra_lu,
        "true_peak_dbtp": lv.true_peak_dbtp,
        "sample_peak_dbfs": lv.sample_peak_dbfs,
        "rms_dbfs": lv.rms_dbfs,
        "crest_db": lv.crest_db,
        "plr_db": lv.plr_db,
        "correlation": st.correlation,
        "width": st.width,
        "side_to_mid_db": st.side_to_mid_db,
        "polarity_suspect": st.polarity_suspect,
        "dc_offset": dc,
        "dc_offset_per_channel": list(hy.dc_offset),
        "clipped_samples": hy.clipped_samples,
        "clip_runs": hy.clip_runs,
        "flat_top_dbfs": hy.flat_top_dbfs,
        "over_full_scale_samples": hy.over_full_scale_samples,
        "nonfinite_samples": hy.nonfinite_samples,
        "noise_floor_dbfs": hy.noise_floor_dbfs,
        "leading_silence_s": hy.leading_silence_s,
        "trailing_silence_s": hy.trailing_silence_s,
        "tilt_db_per_oct": sp.tilt_db_per_oct,
        "below_20hz_db": sp.below_20hz_db,
        "bands": [
            {"hz": _num(fc), "db": db, "crest_db": cr, "mono_loss_db": ml}
            for fc, db, cr, ml in zip(sp.centres_hz, sp.level_db, sp.crest_db, sp.mono_loss_db)
        ],
        "hum": _hum(analysis),
        "noise": _noise(analysis),
        "tempo_bpm": analysis.tempo_bpm,
        "tempo_confidence": analysis.tempo_confidence,
        "onsets_per_s": analysis.onsets_per_s,
        "sections": [
            {"start_s": s.start_s, "end_s": s.end_s, "lufs": s.loudness_lufs} for s in analysis.sections
        ],
        "warnings": list(analysis.warnings),
    }
    return _clean(out)


def _hum(analysis: Analysis) -> dict[str, Any] | None:
    h = analysis.hum
    if h is None:
        return None
    return {
        "mains_hz": h.mains_hz,
        "fundamental_hz": h.fundamental_hz,
        "lines": [{"harmonic": ln.harmonic, "hz": ln.freq_hz, "dbfs": ln.level_dbfs,
                   "above_floor_db": ln.prominence_db} for ln in h.lines],  # fmt: skip
        "undecided": [{"hz": ln.freq_hz, "dbfs": ln.level_dbfs, "above_floor_db": ln.prominence_db}
                      for ln in h.undecided],  # fmt: skip
        "resolution_hz": h.resolution_hz,
    }


def _noise(analysis: Analysis) -> dict[str, Any] | None:
    nr = analysis.noise
    if nr is None:
        return None
    return {
        "has_pauses": nr.has_pauses,
        "floor_dbfs": nr.floor_dbfs,
        "pause_s": nr.pause_s,
        "silence_s": nr.silence_s,
        "active_dbfs": nr.active_dbfs,
        "quietest_active_dbfs": nr.quietest_active_dbfs,
        "snr_db": nr.snr_db,
        "shape": nr.shape,
        "decay_ms": nr.decay_ms,
        "spread_db": nr.spread_db,
        "octaves": [{"hz": _num(f), "db": db} for f, db in zip(nr.band_hz, nr.band_db)],
    }


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else v


def _clean(value: Any) -> Any:
    """Replace any non-finite float by None, recursively (a guard: the records hold none)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
