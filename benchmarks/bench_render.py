"""Rendering speed: a typical mastering chain on the 4-minute file (issue 4's benchmark).

The chain: high-pass, three bells, two shelves, compressor, limiter. Timed:

* with the built-ins (``bridge.render.render_chain``: pedalboard's filters and compressor,
  a 24 dB/octave Butterworth high-pass and our look-ahead true-peak limiter), against the
  goal of 200× real time; the limiter is also timed alone, on the audio the chain feeds
  it, to state its share;
* pedalboard's own chain of the same moves in the same run (``HighpassFilter``, which is
  6 dB/octave, 3 ``PeakFilter``, 2 shelves, ``Compressor``, ``Gain`` for the drive and
  ``Limiter``, JUCE's, which does not hold a true-peak ceiling): a speed reference, not
  the same processing;
* ZamCompX2 and ZaMaximX2 (real VST3s from ``scripts/fetch-plugins``) in-process with
  pedalboard, and the same two through ``bridge.plugins.host.ChainHost`` (one worker
  process per plugin), so the worker's overhead is a ratio measured in the same run
  (goal: under 10 %);
* several tracks through the same built-in chain (issue 4: "pedalboard releases the GIL:
  renders of several tracks can run in parallel"): N = 2 and 4 different 4-minute tracks
  (the test audio started 0, 60, 120 and 180 s in, wrapping round) one after another,
  then in a ``ThreadPoolExecutor`` of ``min(N, os.cpu_count())`` threads in this process
  (4 threads on 2 cores measured slower than 2: 1.78 s against 1.57 s for 4 tracks). The
  threaded results are checked to be the serial ones, sample for sample, before timing.
  Little of the chain holds the GIL: pedalboard's run (two thirds of the time) releases it
  except while it copies the audio in and out, scipy's ``sosfilt`` and ``ndimage`` filters
  release it, and the limiter's Python between numpy calls is a few ms; each stage alone
  ran 1.6–1.9× faster on 2 threads (the limiter lowest). Losing a core to other load
  costs the threaded rows more than the serial ones, so they are the noisier figures.

Best of N, taken round-robin. Nothing is asserted.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import common as c

GOAL_REALTIME = 200.0
GOAL_OVERHEAD = 0.10


def _chain():
    from analyzers.moves import Move

    return [
        Move("highpass", {"freq_hz": 30, "slope_db_oct": 24}),
        Move("peak", {"freq_hz": 250, "gain_db": -2.0, "q": 1.0}),
        Move("peak", {"freq_hz": 1200, "gain_db": 1.5, "q": 1.4}),
        Move("peak", {"freq_hz": 4000, "gain_db": -1.5, "q": 2.0}),
        Move("low_shelf", {"freq_hz": 100, "gain_db": 1.0}),
        Move("high_shelf", {"freq_hz": 10000, "gain_db": 1.5}),
        Move("compressor", {"threshold_db": -18, "ratio": 2.0, "attack_ms": 20, "release_ms": 200}),
        Move("limiter", {"ceiling_dbtp": -1.0, "gain_db": 2.0}),
    ]


def _pedalboard_chain(moves):
    """pedalboard's nearest built-ins for the chain's moves, as one Pedalboard."""
    import pedalboard as pb

    out = []
    for m in moves:
        p = m.params
        if m.kind == "highpass":
            out.append(pb.HighpassFilter(cutoff_frequency_hz=p["freq_hz"]))
        elif m.kind == "peak":
            out.append(pb.PeakFilter(cutoff_frequency_hz=p["freq_hz"], gain_db=p["gain_db"], q=p["q"]))
        elif m.kind == "low_shelf":
            out.append(pb.LowShelfFilter(cutoff_frequency_hz=p["freq_hz"], gain_db=p["gain_db"], q=p["q"]))
        elif m.kind == "high_shelf":
            out.append(pb.HighShelfFilter(cutoff_frequency_hz=p["freq_hz"], gain_db=p["gain_db"], q=p["q"]))
        elif m.kind == "compressor":
            out.append(pb.Compressor(threshold_db=p["threshold_db"], ratio=p["ratio"], attack_ms=p["attack_ms"],
                                     release_ms=p["release_ms"]))  # fmt: skip
        elif m.kind == "limiter":
            out += [
                pb.Gain(gain_db=p["gain_db"]),
                pb.Limiter(threshold_db=p["ceiling_dbtp"], release_ms=p["release_ms"]),
            ]
        else:  # pragma: no cover
            raise ValueError(f"no pedalboard built-in for {m.kind}")
    return pb.Pedalboard(out)


def _plugins() -> dict[str, str] | None:
    from bridge.plugins import fetched_plugin_folder

    folder = fetched_plugin_folder()
    if folder is None:
        return None
    found = {name: str(folder / f"{name}.vst3") for name in ("ZamCompX2", "ZaMaximX2")}
    return found if all((folder / f"{n}.vst3").exists() for n in found) else None


#: How many tracks are rendered at once in the parallel rows.
PARALLEL_TRACKS = (2, 4)


def _tracks(x, count: int) -> list:
    """``count`` different tracks as long as ``x``: ``x`` started ``k · len / 4`` samples in, wrapping."""
    import numpy as np

    step = x.shape[1] // 4
    return [np.ascontiguousarray(np.roll(x, -k * step, axis=1)) for k in range(count)]


def _render_all(tracks, moves, pool: ThreadPoolExecutor | None) -> list:
    from bridge.render import render_chain

    if pool is None:
        return [render_chain(t, c.RATE, moves) for t in tracks]
    return list(pool.map(lambda t: render_chain(t, c.RATE, moves), tracks))


def _parallel_table(best: dict[str, float | None], seconds: float, workers: dict[int, int],
                    same: dict[int, bool]) -> str:  # fmt: skip
    rows = []
    for n in PARALLEL_TRACKS:
        ser, thr = best[f"serial{n}"], best[f"threads{n}"]
        rows.append([f"{n} tracks, one after another", c.secs(ser), f"{n * seconds / ser:.0f}×", "", ""])
        rows.append([f"{n} tracks, ThreadPoolExecutor of {workers[n]} threads", c.secs(thr),
                     f"{n * seconds / thr:.0f}×", f"{ser / thr:.2f}×", "yes" if same[n] else "**NO**"])  # fmt: skip
    headers = ["built-in chain on several tracks", "wall seconds", "× real time", "speed-up", "same samples"]
    return c.md_table(headers, rows, "lrrrl")


def run(*, repeat: int = c.DEFAULT_REPEAT, quick: bool = False, **_) -> str:
    import numpy as np
    import pedalboard

    from bridge.plugins.host import ChainHost, PluginSlot
    from bridge.plugins.params import set_parameter
    from bridge.render import order_moves, render_chain, render_move
    from bridge.runtime import tune_allocator

    tune_allocator()
    x = c.long_audio()
    seconds = x.shape[1] / c.RATE
    moves = order_moves(_chain())
    limiter = moves[-1]
    into_limiter = render_chain(x, c.RATE, moves[:-1])  # what the chain feeds the limiter: not timed
    render_chain(x[:, : c.RATE], c.RATE, moves)  # imports: not timed
    rows = []
    times: dict[str, list[float]] = {"builtin": [], "limiter": [], "pedalboard": [], "inproc": [], "worker": []}
    cores = os.cpu_count() or 1
    tracks = _tracks(x, max(PARALLEL_TRACKS))
    workers = {n: min(n, cores) for n in PARALLEL_TRACKS}
    same: dict[int, bool] = {}
    plugins = _plugins()
    comp = {"threshold_db": -18.0, "ratio": 2.0, "attack_ms": 20.0, "release_ms": 200.0}
    maxim = {"threshold_db": -2.0, "output_ceiling_db": -1.0, "release_ms": 25.0}
    pools = {n: ThreadPoolExecutor(max_workers=w, thread_name_prefix="bench-render") for n, w in workers.items()}
    host = ChainHost() if plugins else None
    try:
        for n in PARALLEL_TRACKS:  # the same samples in threads as serially: not timed
            serial, threaded = _render_all(tracks[:n], moves, None), _render_all(tracks[:n], moves, pools[n])
            same[n] = all(np.array_equal(a, b) for a, b in zip(serial, threaded))
            times[f"serial{n}"], times[f"threads{n}"] = [], []
        del serial, threaded
        slots = None
        if plugins:
            slots = [PluginSlot(path=plugins["ZamCompX2"], parameters=comp),
                     PluginSlot(path=plugins["ZaMaximX2"], parameters=maxim)]  # fmt: skip
            host.render(x[:, : c.RATE], c.RATE, slots)  # start the workers: not timed
        for _ in range(repeat):
            t = time.perf_counter()
            render_chain(x, c.RATE, moves)
            times["builtin"].append(time.perf_counter() - t)
            t = time.perf_counter()
            render_move(into_limiter, c.RATE, limiter)
            times["limiter"].append(time.perf_counter() - t)
            t = time.perf_counter()
            _pedalboard_chain(moves)(x, c.RATE)
            times["pedalboard"].append(time.perf_counter() - t)
            if plugins:
                t = time.perf_counter()
                y = x
                for name, params in (("ZamCompX2", comp), ("ZaMaximX2", maxim)):
                    p = pedalboard.load_plugin(plugins[name])
                    for k, v in params.items():
                        set_parameter(p, k, v)
                    y = p.process(y, c.RATE)
                times["inproc"].append(time.perf_counter() - t)
                t = time.perf_counter()
                host.render(x, c.RATE, slots)
                times["worker"].append(time.perf_counter() - t)
            for n in PARALLEL_TRACKS:
                t = time.perf_counter()
                _render_all(tracks[:n], moves, None)
                times[f"serial{n}"].append(time.perf_counter() - t)
                t = time.perf_counter()
                _render_all(tracks[:n], moves, pools[n])
                times[f"threads{n}"].append(time.perf_counter() - t)
    finally:
        if host is not None:
            host.close()
        for pool in pools.values():
            pool.shutdown()
    best = {k: min(v) if v else None for k, v in times.items()}
    b, lim, ped = best["builtin"], best["limiter"], best["pedalboard"]
    rows.append(["built-ins: high-pass 24 dB/oct, 3 bells, 2 shelves, compressor, true-peak limiter", c.secs(b),
                 f"{seconds / b:.0f}×",
                 f"≥ {GOAL_REALTIME:.0f}× real time: {'met' if seconds / b >= GOAL_REALTIME else 'not met'}"])  # fmt: skip
    rows.append(["  of which the true-peak limiter (timed alone, same input)", c.secs(lim), f"{seconds / lim:.0f}×",
                 f"{100 * lim / b:.0f} % of the built-in chain"])  # fmt: skip
    rows.append(["pedalboard's chain: HighpassFilter (6 dB/oct), 3 PeakFilter, 2 shelves, Compressor, Gain, Limiter",
                 c.secs(ped), f"{seconds / ped:.0f}×",
                 f"reference: the built-ins take {b / ped:.2f}× its time"])  # fmt: skip
    note = ""
    if plugins:
        ip, wk = best["inproc"], best["worker"]
        overhead = wk / ip - 1.0
        rows.append(
            ["ZamCompX2 + ZaMaximX2 in-process (load included)", c.secs(ip), f"{seconds / ip:.0f}×", "reference"]
        )
        rows.append(["ZamCompX2 + ZaMaximX2 in worker processes (ChainHost)", c.secs(wk), f"{seconds / wk:.0f}×",
                     f"overhead {100 * overhead:+.0f} % (goal < {100 * GOAL_OVERHEAD:.0f} %: "
                     f"{'met' if overhead < GOAL_OVERHEAD else 'not met'})"])  # fmt: skip
    else:
        note = "\nThe fetched VST3 plugins are missing (run scripts/fetch-plugins): plugin rows left out."
    table = c.md_table(["render", "seconds", "× real time", "goal"], rows, "lrrl")
    parallel = (
        f"Several different {seconds:.0f} s stereo tracks through the built-in chain, one after another and in "
        f"threads of this process (`os.cpu_count()` = {cores}; threads: min(tracks, cores)); × real time counts "
        "every track's seconds.\n\n" + _parallel_table(best, seconds, workers, same)
    )
    return (
        f"## Rendering a chain\n\n{seconds:.0f} s stereo 48 kHz; best of {repeat}, round-robin. pedalboard's "
        "chain is a speed reference in the same run (its high-pass is 6 dB/octave and its Limiter does not hold "
        "a true-peak ceiling). The in-process plugin row includes loading the two plugins; the worker row reuses "
        "workers started before timing.\n\n" + table + note + "\n\n" + parallel
    )
