"""Sibilance: real voices whose esses are made louder (a bell on the bursts only: it comes
and goes) or brighter all the time (the same bell on the whole voice: a constant excess).

Damage: the voice's own bursts (found by :class:`analyzers.sibilance.SibilanceMeter` on the
clean voice, widened by 20 ms and cross-faded over 5 ms) get a +12 dB bell, Q 3, at a
known centre; full-band voices at 5, 6, 7, 8, 9 kHz, the narrowband ones (nothing above
7–8 kHz) at 4.5, 5.5, 6.5 kHz. The constant case puts the bell on everything at 6.5 kHz
(5.5 kHz for narrowband voices). Controls: each voice as recorded, 15 dB quieter, low-passed
at 6 kHz (4th order: duller), with white noise 40 dB under its RMS, with 50 Hz hum (the
fundamental and the 3rd harmonic, 25 and 30 dB under its RMS), and in a room (pedalboard
``Reverb``, room 0.5, wet 0.25); none of these makes esses louder. (An HF boost and heavy
compression do — problems.md §3, SOS — so they are no controls.)

A dynamic case is found when a ``deesser`` is proposed (a static cut there is the wrong
tool); a constant case when a cut (``peak``, negative gain) answers the sibilance and no
de-esser does. Centre error: the de-esser's (or cut's) frequency against the bell's.
"""

from __future__ import annotations

import numpy as np
import pedalboard as pb
from scipy import signal

from analyzers.sibilance import SibilanceMeter

from . import Case, Source, Verdict, octaves

PROBLEM = "sibilance"
_GAIN_DB = 12.0
_Q = 3.0


def _bursts(audio: np.ndarray, rate: float) -> tuple[tuple[float, float], ...]:
    m = SibilanceMeter(rate, audio.shape[0])
    m.process(audio)
    return m.finish().burst_times_s


def _on_bursts(audio: np.ndarray, rate: float, centre_hz: float) -> np.ndarray:
    boosted = pb.PeakFilter(cutoff_frequency_hz=centre_hz, gain_db=_GAIN_DB, q=_Q)(audio, rate)
    w = np.zeros(audio.shape[1])
    for a, b in _bursts(audio, rate):
        w[max(0, int((a - 0.02) * rate)) : int((b + 0.02) * rate)] = 1.0
    fade = max(1, int(0.005 * rate))
    w = np.convolve(w, np.ones(fade) / fade, mode="same")
    return (audio * (1 - w) + boosted * w).astype(np.float32)


def _controls(audio: np.ndarray, rate: float) -> list[tuple[str, np.ndarray]]:
    """The voice as recorded and treated in ways that do not make its esses louder."""
    x = audio.astype(np.float64)
    rms = float(np.sqrt(np.mean(x**2)))
    t = np.arange(x.shape[1]) / rate
    hum = rms * np.sqrt(2) * (10 ** (-25 / 20) * np.sin(2 * np.pi * 50 * t) + 10 ** (-30 / 20) * np.sin(2 * np.pi * 150 * t))
    noise = np.random.default_rng(7).standard_normal(x.shape) * rms * 10 ** (-40 / 20)
    sos = signal.butter(4, 6000.0, "low", fs=rate, output="sos")
    room = pb.Reverb(room_size=0.5, wet_level=0.25, dry_level=0.9)(audio, rate)
    return [("clean", x), ("-15dB", x * 10 ** (-15 / 20)), ("lowpass-6k", signal.sosfilt(sos, x, axis=-1)),
            ("noise-40dB", x + noise), ("hum-50Hz", x + hum), ("room", room)]  # fmt: skip


def cases(sources: list[Source], *, quick: bool) -> list[Case]:
    out: list[Case] = []
    for s in (s for s in sources if s.kind == "voice"):
        for name, y in _controls(s.audio, s.sample_rate_hz):
            out.append(Case(PROBLEM, f"{s.name}/{name}", s.name, np.asarray(y, np.float32), s.sample_rate_hz,
                            "vocal", True))  # fmt: skip
        centres = (4500.0, 5500.0, 6500.0) if s.narrowband else (5000.0, 6000.0, 7000.0, 8000.0, 9000.0)
        if quick:
            centres = centres[::2]
        for f in centres:
            out.append(Case(PROBLEM, f"{s.name}/esses+{_GAIN_DB:g}dB@{f / 1000:g}k", s.name,
                            _on_bursts(s.audio, s.sample_rate_hz, f), s.sample_rate_hz, "vocal", False,
                            {"freq_hz": f, "gain_db": _GAIN_DB, "dynamic": 1.0}))  # fmt: skip
        f = 5500.0 if s.narrowband else 6500.0
        bright = pb.PeakFilter(cutoff_frequency_hz=f, gain_db=_GAIN_DB, q=_Q)(s.audio, s.sample_rate_hz)
        out.append(Case(PROBLEM, f"{s.name}/constant+{_GAIN_DB:g}dB@{f / 1000:g}k", s.name,
                        bright.astype(np.float32), s.sample_rate_hz, "vocal", False,
                        {"freq_hz": f, "gain_db": _GAIN_DB, "dynamic": 0.0}))  # fmt: skip
    return out


def judge(case: Case, advice) -> Verdict:
    de = [s for s in advice.suggestions if s.move.kind == "deesser"]
    cuts = [s for s in advice.suggestions if s.aspect == "sibilance" and s.move.kind == "peak"]
    if case.control:
        moved = de + cuts
        return Verdict(detected=bool(moved), named=bool(moved), false_move=bool(moved),
                       detail=", ".join(s.move.describe() for s in moved) or "no move")  # fmt: skip
    f = case.truth["freq_hz"]
    if case.truth["dynamic"]:
        if not de:
            return Verdict(detected=False, named=False, false_move=bool(cuts),
                           detail="no de-esser" + (f"; a static {cuts[0].move.describe()} instead" if cuts else "")
                           + "; " + "; ".join(k.why for k in advice.leave_alone if k.aspect == "sibilance"))  # fmt: skip
        err = octaves(de[0].move["freq_hz"], f)
        return Verdict(detected=True, named="sibilance" in de[0].why, false_move=False, centre_error_oct=err,
                       detail=de[0].move.describe())  # fmt: skip
    # constant excess: any cut near it answers; a de-esser is the wrong tool
    near = [s for s in advice.suggestions if s.move.kind == "peak" and s.move["gain_db"] < 0
            and octaves(s.move["freq_hz"], f) <= 1 / 3]  # fmt: skip
    if not near:
        return Verdict(detected=False, named=False, false_move=bool(de),
                       detail="no static cut" + (f"; {de[0].move.describe()} instead" if de else ""))  # fmt: skip
    best = min(near, key=lambda s: octaves(s.move["freq_hz"], f))
    return Verdict(detected=True, named=best.aspect == "sibilance" or "sibilan" in best.why, false_move=bool(de),
                   centre_error_oct=octaves(best.move["freq_hz"], f), detail=best.move.describe())  # fmt: skip
