"""Matching an earlier take of the same source: the second half of a recording, with a bell.

Damaged: the second half of each real voice and instrument (and, without ``--quick``, of 24
LMMS stems) with a +8 dB, Q 2 bell at 250 Hz, 500 Hz, 1.2 kHz or 3 kHz, advised with the
first half as ``--reference`` (an earlier take through the same chain). Detected when a
matching bell (``match-…``) works against the bell within 1/6 octave; controls: each clean
second half against its first (a ``match-`` bell is false). A take that plays other notes
than its reference differs by them: only what correlates in fine shape is matched
(:mod:`analyzers.suggest.matching`).
"""

from __future__ import annotations

from analyzers import analyze

from . import Case
from .matching import bell, judge  # noqa: F401 - the same judgement

PROBLEM = "takes"
BELLS_HZ = (250.0, 500.0, 1200.0, 3000.0)


def cases(sources, *, quick: bool) -> list[Case]:
    out: list[Case] = []
    takes = [s for s in sources if s.kind in ("voice", "instrument")]
    takes += [] if quick else [s for s in sources if s.kind == "stem"][:24]
    for s in takes:
        half = s.audio.shape[1] // 2
        first, second = s.audio[:, :half], s.audio[:, half:]
        ref = {"reference": analyze(first, s.sample_rate_hz), "reference_name": "the first half"}
        out.append(Case(PROBLEM, f"{s.name} second half against the first", s.name, second, s.sample_rate_hz, s.role,
                        True, {"take": 1.0}, ref))  # fmt: skip
        top = 3400.0 if s.narrowband else 0.45 * s.sample_rate_hz
        for fc in BELLS_HZ:
            if fc * 2 > top:
                continue
            out.append(Case(PROBLEM, f"{s.name} +8 dB @ {fc:g} Hz, first half as reference", s.name,
                            bell(second, s.sample_rate_hz, fc, 8.0, 2.0), s.sample_rate_hz, s.role, False,
                            {"freq_hz": fc, "gain_db": 8.0}, ref))  # fmt: skip
    return out
