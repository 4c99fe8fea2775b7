"""Restraint on finished work, and what a genre target still finds on a damaged mix.

Controls: the finished mixes and recorded instruments of ``../shared/corpus-real`` (work by
people), each advised without a genre and with ``--genre jazz`` and ``--genre rock``; a run
that proposes any EQ move of 2 dB or more counts as a move on a clean control (goal: at
most one run in five). Damaged: the corpus mixes (LMMS and real) with a ±6 dB, Q 1.4 bell
at 150 Hz, 500 Hz, 1.5 kHz or 5 kHz, advised with ``--genre pop`` as a whole mix; detected
when an EQ move works against the bell within half an octave of it (goal in the issue: 80 %).
"""

from __future__ import annotations

import pedalboard as pb

from . import Case, Verdict, octaves

PROBLEM = "restraint"
GENRES = (None, "jazz", "rock")
BELLS_HZ = (150.0, 500.0, 1500.0, 5000.0)


def cases(sources, *, quick: bool) -> list[Case]:
    out: list[Case] = []
    finished = [s for s in sources if s.kind in ("mix", "instrument") and "/" not in s.name and s.name[:1] in "im"]
    for s in finished:
        for g in GENRES:
            ctx = {} if g is None else {"genre_name": g}
            out.append(Case(PROBLEM, f"{s.name} {g or 'no genre'}", s.name, s.audio, s.sample_rate_hz, s.role, True,
                            context=ctx))  # fmt: skip
    mixes = [s for s in sources if s.kind == "mix"]
    for i, s in enumerate(mixes[:4] if quick else mixes):
        for j, fc in enumerate(BELLS_HZ):
            gain = 6.0 if (i + j) % 2 == 0 else -6.0
            y = pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=fc, gain_db=gain, q=1.4)])(s.audio, s.sample_rate_hz)
            out.append(Case(PROBLEM, f"{s.name} {gain:+g} dB @ {fc:g} Hz, pop", s.name, y, s.sample_rate_hz, "mix",
                            False, {"freq_hz": fc, "gain_db": gain}, {"genre_name": "pop"}))  # fmt: skip
    return out


def judge(case: Case, advice) -> Verdict:
    eq = [s for s in advice.suggestions if s.move.kind in ("peak", "low_shelf", "high_shelf")]
    if case.control:
        big = [s for s in eq if abs(s.move.params["gain_db"]) >= 2.0]
        return Verdict(False, False, bool(big), detail="; ".join(s.move.describe() for s in big))
    fc, g = case.truth["freq_hz"], case.truth["gain_db"]
    against = [s for s in eq if octaves(s.move.params["freq_hz"], fc) <= 0.5 and s.move.params["gain_db"] * g < 0]
    err = min((octaves(s.move.params["freq_hz"], fc) for s in against), default=None)
    return Verdict(bool(against), bool(against), False, err,
                   detail="; ".join(s.move.describe() for s in eq) or "no EQ move")  # fmt: skip
