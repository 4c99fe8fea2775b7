"""Verifying a parameter map by measurement, never by trust.

:func:`verify_map` sets a real plugin's parameters with :func:`.mapping.map_moves` for a
few test moves, renders test signals through it, and compares what comes out with what the
moves intend:

* EQ moves (``peak``, shelves, pass filters): the magnitude response, from an impulse on
  both channels of a stereo buffer (FFT of 2^16 samples at 48 kHz), against
  :func:`analyzers.eq_response.move_response_db` over the move's frequency ±1 octave.
  All EQ test moves are set at once (so bands 1, 2, … are all exercised) and compared with
  the sum of their predicted responses; each move's ``error_db`` is the largest absolute
  difference in its own window, on either channel.
* ``compressor``: the static curve — a steady 1 kHz sine at −40 … 0 dBFS peak in 4 dB steps
  of 0.6 s; the output level is the peak-equivalent level (RMS + 3.01 dB) of each step's
  last 0.2 s — against ``threshold + (level − threshold) / ratio + makeup``, over the levels
  above the threshold (and knee).
* ``gate``: the same stepped sine; each step's level against itself above the threshold
  (the sine's RMS against ``threshold_db``) and against itself minus the range (or the
  ratio's expansion, if less) below it, leaving out the steps within 2 dB of the threshold.
* ``limiter``: band-limited programme-like noise with drum-like hits, driven into the
  limiter; ``error_db`` is |true peak − ceiling| with the true peak from
  :func:`analyzers.analyze` (BS.1770-4).

A move's verdict is ``verified`` when ``error_db`` ≤ 0.5 dB, ``approximate`` when ≤ 2 dB,
else ``failed``; the map's verdict is its worst move's. A mono plugin runs dual mono: two
instances, the same settings, one per channel of the stereo test signal.

The plugin runs in a child process (``multiprocessing``, spawn, with a timeout), as the
scan does (:mod:`.scan`): a crash, a hang or NaN output only makes the verdict ``failed``
with the reason.
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.connection
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from analyzers import analyze
from analyzers.eq_response import move_response_db
from analyzers.moves import EQ_KINDS, Move

from ..render import true_peak_dbtp
from .mapping import MappingError, map_moves
from .params import set_parameter  # noqa: F401  (re-exported: verify.set_parameter)
from .records import PluginInfo
from .scan import _log_tail, describe_exit

#: Verdict thresholds, dB.
VERIFIED_DB = 0.5
APPROXIMATE_DB = 2.0
#: Sample rate of every test signal, Hz.
SAMPLE_RATE_HZ = 48000.0
#: Seconds the child may take (loading included) before it is killed.
DEFAULT_VERIFY_TIMEOUT_S = 120.0

_IMPULSE_SAMPLES = 1 << 16
_IMPULSE_AMPLITUDE = 0.25
_PRE_ROLL = 4800  # 0.1 s of silence before every test signal
_COMP_LEVELS_DB = tuple(float(v) for v in range(-40, 1, 4))
_COMP_STEP_S = 0.6
_COMP_MEASURE_S = 0.2


def verdict(error_db: float | None) -> str:
    """``verified`` (≤ 0.5 dB), ``approximate`` (≤ 2 dB) or ``failed`` (more, or no number)."""
    if error_db is None or not math.isfinite(error_db):
        return "failed"
    return "verified" if error_db <= VERIFIED_DB else "approximate" if error_db <= APPROXIMATE_DB else "failed"


def default_test_moves(plugin_map: Mapping[str, Any]) -> list[Move]:
    """The moves :func:`verify_map` tests when given none: a few per kind the map realises."""
    kinds = plugin_map.get("kinds", {})
    moves: list[Move] = []

    def slots(kind: str) -> int:
        s = kinds[kind].get("slots")
        return 1 if s == "fixed_bands" else len(s)

    shared = bool(plugin_map.get("shared_slots"))
    if "peak" in kinds:
        peaks = [Move("peak", {"freq_hz": 1000, "gain_db": 6, "q": 1}),
                 Move("peak", {"freq_hz": 4000, "gain_db": -6, "q": 2})]  # fmt: skip
        moves += peaks[: slots("peak")]
    if "low_shelf" in kinds:
        moves.append(Move("low_shelf", {"freq_hz": 150, "gain_db": 4, "q": 0.707}))
    if "high_shelf" in kinds:
        moves.append(Move("high_shelf", {"freq_hz": 8000, "gain_db": -4, "q": 0.707}))
    if "highpass" in kinds and not shared:
        moves.append(Move("highpass", {"freq_hz": 60, "slope_db_oct": 12}))
    if "lowpass" in kinds and not shared:
        moves.append(Move("lowpass", {"freq_hz": 16000, "slope_db_oct": 12}))
    if "compressor" in kinds:
        moves += [Move("compressor", {"threshold_db": -20, "ratio": 4, "attack_ms": 1, "release_ms": 500}),
                  Move("compressor", {"threshold_db": -30, "ratio": 2, "attack_ms": 10, "release_ms": 100,
                                      "makeup_db": 3})]  # fmt: skip
    if "limiter" in kinds:
        moves.append(Move("limiter", {"ceiling_dbtp": -1, "gain_db": 6, "release_ms": 50}))
    if "gate" in kinds:
        moves.append(Move("gate", {"threshold_db": -22, "ratio": 100, "range_db": 30, "attack_ms": 1,
                                   "hold_ms": 0, "release_ms": 50, "hysteresis_db": 0}))  # fmt: skip
    return moves


# --- the parent --------------------------------------------------------------------------


def verify_map(plugin_info: PluginInfo, plugin_map: Mapping[str, Any], *, moves: Sequence[Move] | None = None,
               timeout_s: float = DEFAULT_VERIFY_TIMEOUT_S) -> dict[str, Any]:  # fmt: skip
    """Measure how well ``plugin_map`` realises moves on the real plugin.

    Returns ``{"plugin", "map", "map_status", "status", "error_db", "ran", "reason",
    "channels", "tested": [{"kind", "params", "error_db", "status", …}, …]}``. ``status`` is
    the worst move's verdict; ``ran`` is False when no measurement came back (the child
    crashed or timed out, the map cannot take the moves), and ``reason`` says why.
    """
    moves = list(moves) if moves is not None else default_test_moves(plugin_map)
    report: dict[str, Any] = {
        "plugin": plugin_info.name, "path": plugin_info.path, "map": plugin_map.get("file", plugin_map.get("plugin")),
        "map_status": plugin_map.get("status"), "sample_rate_hz": SAMPLE_RATE_HZ,
        "channels": "dual mono" if plugin_info.num_channels == 1 else plugin_info.channels,
        "status": "failed", "error_db": None, "ran": False, "reason": None, "tested": [],
    }  # fmt: skip
    if not moves:
        report["status"] = "not applicable"
        report["reason"] = f"the map realises no Move kind ({plugin_map.get('status', 'no status')}): nothing to verify"
        return report
    jobs: list[dict[str, Any]] = []
    try:
        eq = [m for m in moves if m.kind in EQ_KINDS]
        if eq:
            jobs.append(
                {
                    "test": "eq",
                    "moves": eq,
                    "params": map_moves(eq, plugin_info, plugin_map, sample_rate_hz=SAMPLE_RATE_HZ),
                }
            )
        for m in moves:
            if m.kind == "compressor":
                jobs.append(
                    {
                        "test": "compressor",
                        "moves": [m],
                        "params": map_moves([m], plugin_info, plugin_map, sample_rate_hz=SAMPLE_RATE_HZ),
                    }
                )
            elif m.kind == "gate":
                jobs.append({"test": "gate", "moves": [m],
                             "params": map_moves([m], plugin_info, plugin_map, sample_rate_hz=SAMPLE_RATE_HZ)})  # fmt: skip
            elif m.kind == "limiter":
                jobs.append(
                    {
                        "test": "limiter",
                        "moves": [m],
                        "params": map_moves([m], plugin_info, plugin_map, sample_rate_hz=SAMPLE_RATE_HZ),
                    }
                )
            elif m.kind not in EQ_KINDS:
                raise MappingError(f"verify has no test for {m.kind} moves")
    except MappingError as exc:
        report["reason"] = str(exc)
        return report
    answer = _run_child(plugin_info, [{"test": j["test"], "params": j["params"]} for j in jobs], timeout_s)
    if "error" in answer:
        report["reason"] = answer["error"]
        return report
    report["ran"] = True
    for job, result in zip(jobs, answer["results"]):
        if "error" in result:
            report["tested"] += [_entry(m, None, job["params"], reason=result["error"]) for m in job["moves"]]
            continue
        if job["test"] == "eq":
            report["tested"] += _judge_eq(job["moves"], job["params"], result)
        elif job["test"] == "compressor":
            report["tested"].append(_judge_compressor(job["moves"][0], job["params"], result))
        elif job["test"] == "gate":
            report["tested"].append(_judge_gate(job["moves"][0], job["params"], result))
        else:
            report["tested"].append(_judge_limiter(job["moves"][0], job["params"], result))
    errors = [t["error_db"] for t in report["tested"]]
    worst = None if any(e is None for e in errors) else max(errors)
    report["error_db"] = worst
    report["status"] = verdict(worst)
    if worst is None:
        report["reason"] = "; ".join(t["reason"] for t in report["tested"] if t.get("reason"))
    return report


def _entry(move: Move, error_db: float | None, params: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    e = None if error_db is None or not math.isfinite(error_db) else round(float(error_db), 3)
    out = {"kind": move.kind, "params": move.to_dict()["params"], "error_db": e, "status": verdict(e),
           "plugin_params": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in params.items()}}  # fmt: skip
    out.update(extra)
    return out


def _judge_eq(moves: Sequence[Move], params: Mapping[str, Any], result: Mapping[str, Any]) -> list[dict[str, Any]]:
    f = np.fft.rfftfreq(_IMPULSE_SAMPLES, 1.0 / SAMPLE_RATE_HZ)
    measured = [np.asarray(h) for h in result["response_db"]]
    predicted = sum(move_response_db(m, f, SAMPLE_RATE_HZ) for m in moves)
    out = []
    for m in moves:
        fc = m.params["freq_hz"]
        band = (f >= max(fc / 2, 20.0)) & (f <= min(fc * 2, 0.45 * SAMPLE_RATE_HZ))
        if not np.all([np.isfinite(h[band]).all() for h in measured]):
            out.append(_entry(m, None, params, reason="the plugin's output is not finite (NaN or inf)"))
            continue
        diffs = [np.abs(h[band] - predicted[band]) for h in measured]
        ch = int(np.argmax([d.max() for d in diffs]))
        i = int(np.argmax(diffs[ch]))
        out.append(_entry(m, float(diffs[ch][i]), params, worst_at_hz=round(float(f[band][i]), 1),
                          window_hz=[round(fc / 2, 1), round(min(fc * 2, 0.45 * SAMPLE_RATE_HZ), 1)]))  # fmt: skip
    return out


def _judge_compressor(move: Move, params: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    p = move.params
    levels = np.array(_COMP_LEVELS_DB)
    out_db = np.array(result["levels_db"])
    t, r, makeup = p["threshold_db"], p["ratio"], p["makeup_db"]
    expected = np.where(levels <= t, levels, t + (levels - t) / r) + makeup
    knee = float(params.get("knee_db", 0.0) or 0.0) if isinstance(params.get("knee_db", 0.0), (int, float)) else 0.0
    above = levels > t + knee / 2
    if not np.isfinite(out_db).all():
        return _entry(move, None, params, reason="the plugin's output is not finite (NaN or inf)")
    err = float(np.abs(out_db - expected)[above].max()) if above.any() else float(np.abs(out_db - expected).max())
    return _entry(move, err, params, curve=[{"in_db": float(a), "out_db": round(float(b), 2),
                                            "expected_db": round(float(c), 2)} for a, b, c in zip(levels, out_db, expected)])  # fmt: skip


def _judge_gate(move: Move, params: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    """The gate's static curve: each step's level unchanged above the threshold (RMS), turned
    down by the range (or the ratio's expansion, if less) below it; steps within 2 dB of the
    threshold are left out (detector ripple decides them)."""
    p = move.params
    levels = np.array(_COMP_LEVELS_DB)
    rms = levels - 10 * np.log10(2)  # a sine's RMS
    out_db = np.array(result["levels_db"])
    if not np.isfinite(out_db).all():
        return _entry(move, None, params, reason="the plugin's output is not finite (NaN or inf)")
    cut = np.clip((rms - p["threshold_db"]) * (p["ratio"] - 1), -p["range_db"], 0.0)
    expected = levels + np.where(rms >= p["threshold_db"], 0.0, cut)
    judged = np.abs(rms - p["threshold_db"]) > 2.0
    err = float(np.abs(out_db - expected)[judged].max())
    return _entry(move, err, params, curve=[{"in_db": float(a), "out_db": round(float(b), 2),
                                            "expected_db": round(float(c), 2)} for a, b, c in zip(levels, out_db, expected)])  # fmt: skip


def _judge_limiter(move: Move, params: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    y = np.asarray(result["audio"], dtype=np.float32)
    if not np.isfinite(y).all():
        return _entry(move, None, params, reason="the plugin's output is not finite (NaN or inf)")
    tp = analyze(y, SAMPLE_RATE_HZ).levels.true_peak_dbtp
    ceiling = move.params["ceiling_dbtp"]
    return _entry(move, abs(tp - ceiling), params, true_peak_dbtp=round(float(tp), 3),
                  input_true_peak_dbtp=round(float(result["input_true_peak_dbtp"]), 3))  # fmt: skip


# --- test signals ------------------------------------------------------------------------


def _impulse() -> np.ndarray:
    x = np.zeros((2, _PRE_ROLL + _IMPULSE_SAMPLES), np.float32)
    x[:, _PRE_ROLL] = _IMPULSE_AMPLITUDE
    return x


def _steps() -> np.ndarray:
    n = int(_COMP_STEP_S * SAMPLE_RATE_HZ)
    t = np.arange(n) / SAMPLE_RATE_HZ
    sine = np.sin(2 * np.pi * 1000.0 * t)
    sig = np.concatenate([np.zeros(_PRE_ROLL)] + [10 ** (lv / 20) * sine for lv in _COMP_LEVELS_DB])
    return np.stack([sig, sig]).astype(np.float32)


def _programme(drive_db: float) -> np.ndarray:
    """3 s of band-limited noise (−12 dBFS RMS, low-passed at 12 kHz) with a kick every 0.5 s."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(20261125)
    n = int(3 * SAMPLE_RATE_HZ)
    noise = sosfilt(butter(4, 12000, fs=SAMPLE_RATE_HZ, output="sos"), rng.standard_normal((2, n)), axis=-1)
    noise *= 10 ** (-12 / 20) / noise.std()
    t = np.arange(int(0.2 * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    kick = np.sin(2 * np.pi * 60 * t) * np.exp(-t / 0.05)
    for start in range(0, n - len(t), int(0.5 * SAMPLE_RATE_HZ)):
        noise[:, start : start + len(t)] += 0.7 * kick
    x = noise / np.abs(noise).max() * 10 ** (-1 / 20) * 10 ** (drive_db / 20)
    return np.concatenate([np.zeros((2, _PRE_ROLL)), x, np.zeros((2, _PRE_ROLL))], axis=1).astype(np.float32)


# --- the child ---------------------------------------------------------------------------


def _run_child(plugin: PluginInfo, jobs: list[dict[str, Any]], timeout_s: float) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    fd, log = tempfile.mkstemp(prefix="secondear-verify-", suffix=".log")
    os.close(fd)
    parent, child = ctx.Pipe(duplex=False)
    args = (plugin.path, plugin.name, plugin.num_channels or 2, jobs, child, log)
    proc = ctx.Process(target=_child_main, args=args, name=f"secondear-verify {plugin.name}", daemon=True)
    started = time.monotonic()
    try:
        proc.start()
        child.close()
        answer: dict[str, Any] | None = None
        while answer is None:
            left = timeout_s - (time.monotonic() - started)
            if left <= 0:
                proc.kill()
                return {"error": f"timed out: no answer after {timeout_s:g} s, killed" + _log_tail(log)}
            ready = multiprocessing.connection.wait([parent, proc.sentinel], timeout=min(left, 1.0))
            if parent in ready:
                try:
                    answer = parent.recv()
                except (EOFError, OSError):
                    break
            elif proc.sentinel in ready and not parent.poll():
                break
        proc.join(5)
        if answer is None:
            how = describe_exit(proc.exitcode, "the plugin crashed", "the verifying process")
            return {"error": how + _log_tail(log)}
        return answer
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        parent.close()
        try:
            os.unlink(log)
        except OSError:
            pass


def _child_main(path: str, name: str, num_channels: int, jobs: list[dict[str, Any]],
                conn: multiprocessing.connection.Connection, log: str) -> None:  # fmt: skip
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    try:
        answer: dict[str, Any] = {"results": [_measure(path, name, num_channels, job) for job in jobs]}
    except BaseException as exc:
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        conn.send(answer)
        conn.close()
    finally:
        os._exit(0)  # plugin destructors can print, hang or crash at interpreter exit


def _measure(path: str, name: str, num_channels: int, job: Mapping[str, Any]) -> dict[str, Any]:
    if job["test"] == "eq":
        y = _render(path, name, num_channels, job["params"], _impulse())[:, _PRE_ROLL:]
        h = np.fft.rfft(y[:, :_IMPULSE_SAMPLES].astype(np.float64) / _IMPULSE_AMPLITUDE, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return {"response_db": [(20 * np.log10(np.maximum(np.abs(c), 1e-12))).tolist() for c in h]}
    if job["test"] in ("compressor", "gate"):  # the same stepped sine; levels of each step's end
        y = _render(path, name, num_channels, job["params"], _steps())[:, _PRE_ROLL:]
        n, m = int(_COMP_STEP_S * SAMPLE_RATE_HZ), int(_COMP_MEASURE_S * SAMPLE_RATE_HZ)
        levels = []
        for i in range(len(_COMP_LEVELS_DB)):
            seg = y[:, (i + 1) * n - m : (i + 1) * n].astype(np.float64)
            levels.append(float(10 * np.log10(max(np.mean(seg**2), 1e-30)) + 10 * np.log10(2)))
        return {"levels_db": levels}

    x = _programme(0.0)
    y = _render(path, name, num_channels, job["params"], x)
    return {"audio": y, "input_true_peak_dbtp": true_peak_dbtp(x)}


def _render(path: str, name: str, num_channels: int, params: Mapping[str, Any], x: np.ndarray) -> np.ndarray:
    """``x`` (stereo) through the plugin; a mono plugin runs dual mono (two instances)."""
    import pedalboard

    def instance() -> Any:
        try:
            plugin = pedalboard.load_plugin(path, plugin_name=name)
        except Exception:
            plugin = pedalboard.load_plugin(path)
        for k, v in params.items():
            set_parameter(plugin, k, v)
        return plugin

    if num_channels == 1:
        return np.concatenate([np.asarray(instance().process(x[c : c + 1], SAMPLE_RATE_HZ), np.float32)
                               for c in range(x.shape[0])])  # fmt: skip
    return np.asarray(instance().process(x, SAMPLE_RATE_HZ), np.float32)
