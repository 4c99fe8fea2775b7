"""Riding: real voices (and a recorded guitar) whose phrases are made uneven.

Damage: the phrases :func:`analyzers.riding.performance` finds in the clean recording get
seeded gains of ±(4–8) dB, alternating in sign (cross-faded over 50 ms at the phrase
edges). Controls: each recording as made. A case is found when a ``ride`` is proposed; the
ride is then rendered and the phrases measured again: a ride that leaves the spread above
:data:`analyzers.riding.TARGET_SPREAD_DB` + 1 dB counts as a wrong move (``detail`` gives
before → after).
"""

from __future__ import annotations

import numpy as np

from analyzers import analyze
from analyzers.riding import TARGET_SPREAD_DB, performance
from bridge.render import render_move

from . import Case, Source, Verdict

PROBLEM = "riding"
_ROLES = {"voice": "vocal"}


def _uneven(s: Source, seed: int) -> np.ndarray | None:
    perf = performance(analyze(s.audio, s.sample_rate_hz))
    if len(perf.phrases) < 3:
        return None
    rng = np.random.default_rng(seed)
    rate = s.sample_rate_hz
    db = np.zeros(s.audio.shape[1])
    for i, ph in enumerate(perf.phrases):
        g = (1 if i % 2 else -1) * rng.uniform(4.0, 8.0)
        db[max(0, int((ph.start_s - 0.1) * rate)) : int((ph.end_s + 0.1) * rate)] = g
    fade = max(1, int(0.05 * rate))
    db = np.convolve(db, np.ones(fade) / fade, mode="same")
    return (s.audio * 10 ** (db / 20)).astype(np.float32)


def cases(sources: list[Source], *, quick: bool) -> list[Case]:
    out: list[Case] = []
    chosen = [s for s in sources if s.kind == "voice" or (s.kind == "instrument" and s.role == "guitar")]
    for s in chosen:
        role = _ROLES.get(s.kind, s.role)
        out.append(Case(PROBLEM, f"{s.name}/as recorded", s.name, s.audio, s.sample_rate_hz, role, True))
        for seed in (1,) if quick else (1, 2):
            y = _uneven(s, seed)
            if y is not None:
                out.append(Case(PROBLEM, f"{s.name}/uneven phrases seed {seed}", s.name, y, s.sample_rate_hz,
                                role, False, {"seed": float(seed)}))  # fmt: skip
    return out


def judge(case: Case, advice) -> Verdict:
    ride = [s for s in advice.suggestions if s.move.kind == "ride"]
    if case.control:
        return Verdict(detected=bool(ride), named=bool(ride), false_move=bool(ride),
                       detail=ride[0].why if ride else "no ride")  # fmt: skip
    if not ride:
        why = "; ".join(k.why for k in advice.leave_alone if k.aspect == "performance") or "no verdict"
        return Verdict(detected=False, named=False, false_move=False, detail=f"no ride: {why}")
    before = performance(analyze(case.audio, case.sample_rate_hz)).spread_db
    after = performance(analyze(render_move(case.audio, case.sample_rate_hz, ride[0].move), case.sample_rate_hz)).spread_db
    worse = after is None or after > TARGET_SPREAD_DB + 1.0
    return Verdict(detected=True, named="inconsistent performance" in ride[0].why, false_move=worse,
                   detail=f"spread {before} → {after} dB after the ride")
