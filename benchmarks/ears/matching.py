"""Matching a reference of the same source: the bell found where it is, at fine resolution.

Damaged: the corpus mixes (LMMS and real) with a ±6 dB, Q 1.4 bell at 150 Hz, 500 Hz,
1.5 kHz or 5 kHz (as in ``restraint``), advised with the clean mix as ``--reference``.
Detected when a matching bell (``match-…``) works against the bell within 1/6 octave.
Controls: each mix against itself (any EQ move of 0.5 dB or more is false) and against
another mix (a ``match-`` bell is false: another song is nudged broadly, never matched bell
for bell). ``takes`` does the same with an earlier take of the same source.
"""

from __future__ import annotations

import pedalboard as pb

from analyzers import analyze

from . import Case, Verdict, octaves

PROBLEM = "matching"
MIX_BELLS_HZ = (150.0, 500.0, 1500.0, 5000.0)


def bell(audio, rate, freq_hz: float, gain_db: float, q: float):
    return pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=freq_hz, gain_db=gain_db, q=q)])(audio, rate)


def cases(sources, *, quick: bool) -> list[Case]:
    out: list[Case] = []
    mixes = [s for s in sources if s.kind == "mix"]
    clean = {s.name: analyze(s.audio, s.sample_rate_hz) for s in mixes}
    for i, s in enumerate(mixes):
        ref = {"reference": clean[s.name], "reference_name": "the clean mix"}
        other = mixes[(i + 1) % len(mixes)].name
        out.append(Case(PROBLEM, f"{s.name} against itself", s.name, s.audio, s.sample_rate_hz, "mix", True,
                        {"self": 1.0}, ref))  # fmt: skip
        if other != s.name:
            out.append(Case(PROBLEM, f"{s.name} against {other}", s.name, s.audio, s.sample_rate_hz, "mix", True,
                            {"other": 1.0}, {"reference": clean[other], "reference_name": other}))  # fmt: skip
        for j, fc in enumerate(MIX_BELLS_HZ):
            gain = 6.0 if (i + j) % 2 == 0 else -6.0
            out.append(Case(PROBLEM, f"{s.name} {gain:+g} dB @ {fc:g} Hz, clean mix as reference", s.name,
                            bell(s.audio, s.sample_rate_hz, fc, gain, 1.4), s.sample_rate_hz, "mix", False,
                            {"freq_hz": fc, "gain_db": gain}, ref))  # fmt: skip
    return out


def judge(case: Case, advice) -> Verdict:
    matched = [s for s in advice.suggestions if s.id.startswith("match-")]
    if case.control:
        if "self" in case.truth:
            eq = [s for s in advice.suggestions if s.move.kind in ("peak", "low_shelf", "high_shelf")
                  and abs(s.move.params["gain_db"]) >= 0.5]  # fmt: skip
            return Verdict(False, False, bool(eq), detail="; ".join(s.move.describe() for s in eq))
        return Verdict(False, False, bool(matched), detail="; ".join(s.move.describe() for s in matched))
    fc, g = case.truth["freq_hz"], case.truth["gain_db"]
    against = [s for s in matched if octaves(s.move.params["freq_hz"], fc) <= 1 / 6 and s.move.params["gain_db"] * g < 0]
    err = min((octaves(s.move.params["freq_hz"], fc) for s in against), default=None)
    wrong = [s for s in matched if s not in against and octaves(s.move.params["freq_hz"], fc) <= 1 / 3]
    return Verdict(bool(against), bool(against), bool(wrong), err,
                   detail="; ".join(s.move.describe() for s in matched) or "no matching bell")  # fmt: skip
