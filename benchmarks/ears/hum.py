"""Mains hum: real recordings with 50 or 60 Hz hum added, and clean controls.

Each source (cut to its first 30 s) gets hum at 50 or 60 Hz (alternating), the fundamental
drifted by up to ±0.1 Hz, two to four of its first seven harmonics, each 20–35 dB under
the source's RMS (seeded): hum an engineer hears in the track (lines 40 dB under a dense
mix are masked by its own bass: no ear, and no detector, finds them).
:data:`NATIVE_HUM` sources already carry hum as recorded and are left out (their clean
version is no control). Controls: the source as it is, and the source with a held bass
note at 55 or 110 Hz (A1, A2) at 20 dB under its RMS — a note near the mains is music.
Detected: a ``dehum`` (or ``notch``) move at the right mains (fundamental within 1 Hz);
named: its reason says "<mains> Hz mains"; centre error: the proposed fundamental against
the true one (octaves); the harmonic recall (planted harmonics among the notched) is in the
detail. A false move: any dehum or notch on a control, or one at the wrong mains.
"""

from __future__ import annotations

import numpy as np

from . import Case, Source, Verdict, octaves

PROBLEM = "hum"
MAX_S = 30.0
#: Recorded with hum: i04 (a CC0 guitar recording) has steady lines at 60.005, 120.07,
#: 179.83, 300.0 and 420.03 Hz, the strongest 25 dB under its RMS.
NATIVE_HUM = {"i04_guitar_em9_strums": 60.0}


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-30))


def cases(sources: list[Source], *, quick: bool) -> list[Case]:
    out: list[Case] = []
    rng = np.random.default_rng(50)
    chosen = [s for s in sources if (s.kind != "stem" or not quick) and s.name not in NATIVE_HUM]
    for i, s in enumerate(chosen):
        x = s.audio[:, : int(MAX_S * s.sample_rate_hz)].astype(np.float64)
        n = x.shape[1]
        t = np.arange(n) / s.sample_rate_hz
        level = _rms_db(x)
        mains = 50.0 if i % 2 == 0 else 60.0
        f0 = mains + rng.uniform(-0.1, 0.1)
        ks = sorted(rng.choice(np.arange(1, 8), size=int(rng.integers(2, 5)), replace=False).tolist())
        if not any(k <= 3 for k in ks):
            ks = sorted([int(rng.integers(1, 4)), *ks[1:]])
        hum = np.zeros(n)
        for k in ks:
            a = np.sqrt(2) * 10 ** ((level - rng.uniform(20, 35)) / 20)
            hum += a * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
        truth = {"mains_hz": mains, "freq_hz": f0, "harmonics": float(sum(1 << (k - 1) for k in ks))}
        out.append(Case(PROBLEM, f"{s.name} +{mains:.0f} Hz hum h{ks}", s.name, (x + hum).astype(np.float32),
                        s.sample_rate_hz, s.role, False, truth))  # fmt: skip
        out.append(Case(PROBLEM, f"{s.name} (clean)", s.name, x.astype(np.float32), s.sample_rate_hz, s.role, True))
        note = 55.0 if i % 2 == 0 else 110.0
        bass = np.sqrt(2) * 10 ** ((level - 20) / 20) * sum(np.sin(2 * np.pi * k * note * t) / k for k in (1, 2, 3))
        env = np.clip(np.sin(np.pi * (t % 4.0) / 4.0), 0, None) ** 0.5  # held notes, swelling and fading
        out.append(Case(PROBLEM, f"{s.name} + {note:.0f} Hz bass note (control)", s.name,
                        (x + bass * env).astype(np.float32), s.sample_rate_hz, s.role, True))  # fmt: skip
    return out


def judge(case: Case, advice) -> Verdict:
    moves = [s for s in advice.suggestions if s.move.kind in ("dehum", "notch")]
    if case.control:
        if moves:
            return Verdict(True, False, True, None, f"control got {moves[0].move.describe()}: {moves[0].why}")
        return Verdict(False, False, False, None, "no hum move")
    mains, f0 = case.truth["mains_hz"], case.truth["freq_hz"]
    planted = [k + 1 for k in range(24) if int(case.truth["harmonics"]) >> k & 1]
    hit = next((s for s in moves if abs(s.move.params["freq_hz"] - f0) < 1.0 and s.move.kind == "dehum"), None)
    if hit is None:
        wrong = bool(moves)
        return Verdict(False, False, wrong, None,
                       f"missed (planted {mains:.0f} Hz h{planted})" + (f"; got {moves[0].move.describe()}" if wrong else ""))  # fmt: skip
    mask = int(hit.move.params["harmonic_mask"])
    notched = [k + 1 for k in range(24) if mask >> k & 1]
    recall = sum(k in notched for k in planted) / len(planted)
    extra = [k for k in notched if k not in planted]
    named = f"{mains:.0f} Hz mains" in hit.why
    return Verdict(True, named, False, octaves(hit.move.params["freq_hz"], f0),
                   f"notched h{notched} of planted h{planted} (recall {recall:.0%}, extra {extra})")  # fmt: skip
