"""Tonal location: +8 dB bells at known centres on real recordings, and filtered copies.

Damaged cases: a +8 dB, Q 2 bell (pedalboard ``PeakFilter``) at 250 Hz, 500 Hz, 1.2 kHz or
3 kHz on a voice, an instrument or an LMMS stem (centres inside the source's own register
or above its top are skipped); the answer must be a cut within 1/3 octave (detected), its
centre error is reported, and a boost there is a wrong move. Filtered cases: a 4th-order
low-pass at 2 kHz or high-pass at 800 Hz; the answer must be the "top missing" / "thin"
verdict (detected), and a cut within 1/3 octave of the corner is a wrong-direction move.
Controls: each source untouched; a corrective cut there is a false move.
"""

from __future__ import annotations

import numpy as np
import pedalboard as pb
from scipy import signal

from . import Case, Verdict, octaves

PROBLEM = "tonal"
CENTRES_HZ = (250.0, 500.0, 1200.0, 3000.0)
_REGISTER_TOP = {"vocal": 320.0, "drums": 160.0, "guitar": 320.0, "keys": 110.0, "other": 160.0}


def cases(sources, *, quick: bool) -> list[Case]:
    out: list[Case] = []
    usable = [s for s in sources if s.kind in ("voice", "instrument", "stem")]
    stems = [s for s in usable if s.kind == "stem"]
    usable = [s for s in usable if s.kind != "stem"] + ([] if quick else stems[:12])
    for s in usable:
        top = 3400.0 if s.narrowband else 0.45 * s.sample_rate_hz
        out.append(Case(PROBLEM, f"{s.name} clean", s.name, s.audio, s.sample_rate_hz, s.role, True))
        for fc in CENTRES_HZ[::2] if quick else CENTRES_HZ:
            if fc <= _REGISTER_TOP.get(s.role, 160.0) * 1.2 or fc * 2 > top:
                continue
            y = pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=fc, gain_db=8.0, q=2.0)])(s.audio, s.sample_rate_hz)
            out.append(Case(PROBLEM, f"{s.name} +8 dB @ {fc:g} Hz", s.name, y, s.sample_rate_hz, s.role, False,
                            {"freq_hz": fc, "gain_db": 8.0}))  # fmt: skip
        if s.kind == "voice" and not s.narrowband or s.kind == "instrument":
            for kind, fc in (("low", 2000.0), ("high", 800.0)):
                sos = signal.butter(4, fc, kind, fs=s.sample_rate_hz, output="sos")
                y = signal.sosfilt(sos, s.audio, axis=-1).astype(np.float32)
                out.append(Case(PROBLEM, f"{s.name} {kind}-passed at {fc:g} Hz", s.name, y, s.sample_rate_hz, s.role,
                                False, {"filter_hz": fc, "lowpass": float(kind == "low")}))  # fmt: skip
    return out


def judge(case: Case, advice) -> Verdict:
    eq = [s for s in advice.suggestions if s.move.kind in ("peak", "low_shelf", "high_shelf")]
    if case.control:
        cuts = [s for s in eq if s.aspect.startswith("bump:")]
        return Verdict(False, False, bool(cuts), detail="; ".join(s.move.describe() for s in cuts))
    if "filter_hz" in case.truth:
        fc = case.truth["filter_hz"]
        word = "top missing" if case.truth["lowpass"] else "thin"
        said = any(n.startswith(word) for n in advice.notes)
        wrong = [s for s in eq if s.move.params["gain_db"] < 0 and octaves(s.move.params["freq_hz"], fc) <= 1 / 3]
        return Verdict(said, said, bool(wrong),
                       detail=f"verdict {'given' if said else 'missing'}; " + "; ".join(s.move.describe() for s in wrong))  # fmt: skip
    fc = case.truth["freq_hz"]
    near = [s for s in eq if octaves(s.move.params["freq_hz"], fc) <= 1 / 3]
    cuts = [s for s in near if s.move.params["gain_db"] < 0]
    boosts = [s for s in near if s.move.params["gain_db"] > 0]
    err = min((octaves(s.move.params["freq_hz"], fc) for s in cuts), default=None)
    named = any(w in s.why for s in cuts for w in ("mud", "box", "nasal", "harsh", "resonance", "sibil", "brittle"))
    return Verdict(bool(cuts), named, bool(boosts), err,
                   detail="; ".join(s.move.describe() for s in eq) or "no EQ move")  # fmt: skip
