"""Background noise: real recordings with pauses and a noise floor added, and clean controls.

Each source (its first 24 s) is cut into 3 s phrases with 1.2 s pauses between them (20 ms
fades), as a take with pauses would be. Damaged: hiss (white) or room tone (pink, from 20 Hz up) at
−60, −55, −50 or −45 dBFS RMS over everything (seeded): at or above ACX's −60 dB limit. Control: the same cut with
−96 dBFS of white noise (16-bit dither) in place of the noise. Detected: a ``gate`` or
``noise_reduction`` move; named: its reason says "in the pauses" with a floor within 3 dB
of the true one (the floor error is in the detail). A false move: a gate or noise
reduction on a control, or a gate on a whole mix (it would chop the music).
"""

from __future__ import annotations

import re

import numpy as np

from . import Case, Source, Verdict

PROBLEM = "noise"
PHRASE_S, PAUSE_S, MAX_S = 3.0, 1.2, 24.0
LEVELS_DBFS = (-60.0, -55.0, -50.0, -45.0)


def _with_pauses(x: np.ndarray, rate: float) -> np.ndarray:
    phrase, pause, fade = int(PHRASE_S * rate), int(PAUSE_S * rate), int(0.02 * rate)
    ramp = np.ones(phrase)
    ramp[:fade] = np.linspace(0, 1, fade)
    ramp[-fade:] = np.linspace(1, 0, fade)
    parts = [np.zeros((x.shape[0], pause))]
    for i in range(0, x.shape[1] - phrase + 1, phrase):
        parts += [x[:, i : i + phrase] * ramp, np.zeros((x.shape[0], pause))]
    return np.concatenate(parts, axis=1)


def _noise(rng: np.random.Generator, shape: tuple[int, int], colour: str, rate: float) -> np.ndarray:
    """White, or pink from 20 Hz up (as a recording chain passes it: a pink spectrum down to
    the file's lowest bin would put half its power below 20 Hz, where nobody hears a floor)."""
    w = rng.standard_normal(shape)
    if colour == "pink":
        n = shape[1]
        f = np.fft.rfftfreq(n, 1.0 / rate)
        w = np.fft.irfft(np.fft.rfft(w, axis=1) * np.where(f >= 20.0, 1 / np.sqrt(np.maximum(f, 20.0)), 0.0), n, axis=1)
    return w / np.sqrt(np.mean(w**2))


def cases(sources: list[Source], *, quick: bool) -> list[Case]:
    out: list[Case] = []
    rng = np.random.default_rng(60)
    chosen = [s for s in sources if s.kind != "stem" or not quick]
    for i, s in enumerate(chosen):
        x = _with_pauses(s.audio[:, : int(MAX_S * s.sample_rate_hz)].astype(np.float64), s.sample_rate_hz)
        level = LEVELS_DBFS[i % len(LEVELS_DBFS)]
        colour = "white" if i % 2 == 0 else "pink"
        noisy = x + 10 ** (level / 20) * _noise(rng, x.shape, colour, s.sample_rate_hz)
        out.append(Case(PROBLEM, f"{s.name} + {colour} noise {level:.0f} dBFS", s.name, noisy.astype(np.float32),
                        s.sample_rate_hz, s.role, False, {"floor_dbfs": level}))  # fmt: skip
        dither = x + 10 ** (-96 / 20) * rng.standard_normal(x.shape)
        out.append(Case(PROBLEM, f"{s.name} with pauses (clean)", s.name, dither.astype(np.float32), s.sample_rate_hz,
                        s.role, True))  # fmt: skip
    return out


def judge(case: Case, advice) -> Verdict:
    moves = [s for s in advice.suggestions if s.move.kind in ("gate", "noise_reduction")]
    if case.control:
        if moves:
            return Verdict(True, False, True, None, f"control got {moves[0].move.describe()}: {moves[0].why}")
        return Verdict(False, False, False, None, "no noise move")
    if not moves:
        why = next((k.why for k in advice.leave_alone if k.aspect == "noise"), "no noise verdict")
        return Verdict(False, False, False, None, f"missed ({case.truth['floor_dbfs']:.0f} dBFS): {why}")
    s = moves[0]
    m = re.search(r"at (-?\d+(\.\d+)?) dBFS in the pauses", s.why)
    err = abs(float(m.group(1)) - case.truth["floor_dbfs"]) if m else None
    named = err is not None and err <= 3.0
    chop = s.move.kind == "gate" and case.role in ("mix", "master")
    return Verdict(True, named, chop, None, f"{s.move.describe()}; floor error {err if err is None else round(err, 1)} dB")
