"""Predicted against measured: what a render did, set beside what each move said it would do.

* :func:`checks_for` — for ``apply``: every figure a suggestion predicted (loudness, true
  peak, crest factor, width, a 1/3-octave band's change, hum lines, noise floor, DC offset…)
  read from the analyses before and after rendering (:class:`Check`). A move's figures are
  its own effect (the move rendered alone on the input) wherever the caller measured that;
  every figure is flagged when it misses its prediction by more than its tolerance
  (:func:`tolerance_for`).
* :func:`eq_checks` — for ``render``: each EQ move's 1/3-octave band, the response the
  chain's EQ and gain moves predict there and the band's measured change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analyzers import Analysis
from analyzers.analysis import DC_WARN
from analyzers.eq_response import move_response_db
from analyzers.moves import EQ_KINDS, Move
from analyzers.riding import performance
from analyzers.spectrum import EXACT_CENTRES_HZ, NOMINAL_CENTRES_HZ
from analyzers.suggest import Suggestion


#: A band change measured further than this (dB) from its prediction is flagged.
BAND_TOLERANCE_DB = 1.0

#: How far each predicted figure may miss before it is flagged, and its unit. A figure
#: missing from this table is flagged at :data:`DEFAULT_TOLERANCE`.
TOLERANCES: Mapping[str, tuple[float, str]] = {
    "integrated_lufs": (0.5, "LU"),  # the loudness loop settles within 0.1 LU when it can
    "section_lufs": (0.5, "LU"),
    "true_peak_dbtp": (0.5, "dB"),
    "crest_db": (1.5, "dB"),  # the compressor's delivered change scatters ±1.5 dB (dynamics.py)
    "sibilance_excess_db": (1.5, "dB"),
    "phrase_spread_db": (1.5, "dB"),
    "noise_floor_dbfs": (3.0, "dB"),
    "sum_gain_db": (1.0, "dB"),
    "focus_to_masker_db": (1.5, "dB"),
    "width": (0.1, ""),
    "correlation": (0.1, ""),
    "dc_offset": (DC_WARN, ""),  # under the analysis' DC warning (−60 dBFS) is no offset
    "hum_lines": (0.0, "lines"),  # a count: exact
}
DEFAULT_TOLERANCE = (1.5, "dB")
#: Figures that are counts: reported as whole numbers.
COUNT_FIGURES = frozenset({"hum_lines"})


def tolerance_for(figure: str) -> tuple[float, str]:
    """How far ``figure``'s measurement may miss its prediction before it is flagged, and
    the unit: :data:`BAND_TOLERANCE_DB` for a band's change, else :data:`TOLERANCES`."""
    if figure.startswith("band_"):
        return BAND_TOLERANCE_DB, "dB"
    return TOLERANCES.get(figure, DEFAULT_TOLERANCE)


def misses(figure: str, predicted: float, measured: float | None) -> bool:
    """True when ``measured`` misses ``predicted`` by more than ``figure``'s tolerance."""
    if measured is None:
        return False
    return abs(measured - predicted) > tolerance_for(figure)[0] + 1e-9


@dataclass(frozen=True, slots=True)
class Check:
    """One predicted figure against its measurement after rendering.

    ``own`` is True when ``measured`` is the move's own effect (the move rendered alone on
    the input, so that a later gain or limiter does not count), False when it is the whole
    chain's result (the loudness move, the last stage). ``missed`` is True when ``measured``
    misses the prediction by more than the figure's tolerance (:func:`tolerance_for`).
    """

    suggestion_id: str
    figure: str
    before: float | None
    predicted: float
    measured: float | None
    own: bool = False
    missed: bool = False

    def to_dict(self) -> dict:
        """The JSON form; a count's figures as whole numbers, a DC offset to 4 decimals."""
        digits = 4 if self.figure == "dc_offset" else 2

        def r(v: float | None) -> float | int | None:
            if v is None:
                return None
            return int(round(v)) if self.figure in COUNT_FIGURES else round(v, digits)

        tol, unit = tolerance_for(self.figure)
        return {"id": self.suggestion_id, "figure": self.figure, "before": r(self.before),
                "predicted": r(self.predicted), "measured": r(self.measured), "own": self.own,
                "missed": self.missed, "tolerance": tol, "unit": unit}  # fmt: skip


def checks_for(chosen: Sequence[Suggestion], before: Analysis, after: Analysis,
               alone: Mapping[str, Analysis] | None = None) -> list[Check]:  # fmt: skip
    """Predicted against measured, for every figure each suggestion predicted.

    ``alone`` maps a suggestion id to the analysis of that move rendered alone on the
    input: its figures are then the move's own effect, not the whole chain's. Every figure
    is flagged when it misses its prediction by more than its tolerance.
    """
    out = []
    for s in chosen:
        own = alone.get(s.id) if alone else None
        source = after if own is None else own
        for key, predicted in s.predicted.items():
            b, m = _figure(before, key, s), _figure(source, key, s)
            if key.startswith("band_") and b is not None and m is not None:
                m = m - b  # a band's measured change
                b = 0.0
            out.append(Check(s.id, key, b, float(predicted), m, own=own is not None and m is not None,
                             missed=misses(key, float(predicted), m)))  # fmt: skip
    return out


def _figure(a: Analysis, key: str, s: Suggestion) -> float | None:
    if key == "integrated_lufs":
        return a.loudness.integrated_lufs
    if key == "true_peak_dbtp":
        return a.levels.true_peak_dbtp
    if key == "crest_db":
        return a.levels.crest_db
    if key == "width":
        return a.stereo.width
    if key == "correlation":
        return a.stereo.correlation
    if key == "sibilance_excess_db":
        return None if a.sibilance is None else a.sibilance.excess_db
    if key == "phrase_spread_db":
        return performance(a).spread_db
    if key == "section_lufs" and s.region_s is not None:
        return None  # measured by the caller on the region (needs the samples)
    if key == "noise_floor_dbfs":  # the floor in the pauses (None once none are left to measure)
        return None if a.noise is None else a.noise.floor_dbfs
    if key == "hum_lines":  # mains lines still standing out
        return None if a.hum is None else float(len(a.hum.lines))
    if key == "dc_offset":  # the largest channel's offset (absolute mean, full scale 1.0)
        return max((abs(v) for v in a.hygiene.dc_offset), default=0.0)
    if key.startswith("band_"):
        nominal = float(key.split("_")[1])
        j = list(NOMINAL_CENTRES_HZ).index(nominal)
        lv, tot = a.spectrum.level_db[j], a.spectrum.total_dbfs
        return None if lv is None or tot is None else lv + tot
    return None


def eq_checks(moves: Sequence[Move], before: Analysis, after: Analysis,
              sample_rate_hz: float) -> tuple[list[dict[str, Any]], list[str]]:  # fmt: skip
    """For each EQ move: the 1/3-octave band nearest its frequency, the response predicted
    there (every EQ and gain move of the chain together; power-averaged over the band, as
    ``apply`` predicts) and at the move's frequency, against the band's measured change."""


    linear = [m for m in moves if m.kind in EQ_KINDS or m.kind == "gain"]
    others = sorted({m.kind for m in moves if m not in linear})
    notes = []
    if others and any(m.kind in EQ_KINDS for m in moves):
        notes.append(f"the chain also has {', '.join(others)}: the EQ predictions leave them out")
    out = []
    centres = np.array(EXACT_CENTRES_HZ)
    for m in moves:
        if m.kind not in EQ_KINDS:
            continue
        f = m.params["freq_hz"]
        valid = [j for j in range(len(centres)) if before.spectrum.level_db[j] is not None
                 and after.spectrum.level_db[j] is not None]  # fmt: skip
        if not valid:
            continue
        j = min(valid, key=lambda k: abs(np.log(centres[k] / f)))
        lo, hi = centres[j] * 2 ** (-1 / 6), min(centres[j] * 2 ** (1 / 6), 0.499 * sample_rate_hz)
        grid = np.linspace(lo, hi, 64)
        total = sum(move_response_db(x, grid, sample_rate_hz) for x in linear)
        predicted = float(10 * np.log10(np.mean(10 ** (total / 10))))
        at_freq = float(sum(move_response_db(x, np.array([min(f, 0.499 * sample_rate_hz)]), sample_rate_hz)[0] for x in linear))
        measured = float((after.spectrum.level_db[j] + after.spectrum.total_dbfs)
                         - (before.spectrum.level_db[j] + before.spectrum.total_dbfs))  # fmt: skip
        out.append({"move": m.to_dict(), "label": m.describe(), "band_hz": NOMINAL_CENTRES_HZ[j],
                    "response_at_freq_db": round(at_freq, 2), "predicted_db": round(predicted, 2),
                    "measured_db": round(measured, 2), "error_db": round(abs(measured - predicted), 2)})  # fmt: skip
    return out, notes
