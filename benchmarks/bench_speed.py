"""Speed: Second Ear on a 4-minute stereo 48 kHz FLAC, against peers timed in the same run.

Whole processes (ratio to ffmpeg's ebur128 process):
  ffmpeg ebur128=peak=true, ``secondear analyze FILE --json``, and the Python start-up of
  ``import analyzers, bridge.measure`` (and of a bare interpreter, for scale).
In process, on the same pre-decoded array (ratio to pyebur128):
  ``bridge.measure.analyze_file`` (decode + every figure), ``analyzers.analyze`` (every figure,
  no decoding; also with one thread), ``bridge.audio_io.read_audio`` (decoding only),
  pyebur128 (I + LRA + true peak), pyloudnorm (I only), a naive 4× ``resample_poly`` true
  peak and a chunked ``scipy.fft`` 1/3-octave spectrum.

Every figure is the best of N runs. Nothing is asserted: the goals are printed next to them.

Run alone: ``.venv/bin/python benchmarks/bench_speed.py [--repeat N]``.
"""

from __future__ import annotations

import math
import sys

import numpy as np

import common as c

#: The issue's goals.
GOAL_IN_PROCESS_S = 0.35  # every analyze figure of the 4-minute file, in process
# and: `secondear analyze --json` process ≤ ffmpeg ebur128 process


# --------------------------------------------------------------------------- peers


def pyebur128_measure(interleaved: np.ndarray, frames: int, rate: float, channels: int):
    """pyebur128: integrated loudness, loudness range and true peak (its documented API)."""
    import pyebur128 as p

    mode = p.MeasurementMode.MODE_I | p.MeasurementMode.MODE_LRA | p.MeasurementMode.MODE_TRUE_PEAK
    state = p.R128State(channels, int(rate), mode)
    state.add_frames(interleaved, frames)
    i = p.get_loudness_global(state)
    lra = p.get_loudness_range(state)
    tp = max(p.get_true_peak(state, ch) for ch in range(channels))
    return i, lra, 20 * math.log10(tp) if tp > 0 else float("-inf")


def pyloudnorm_integrated(samples: np.ndarray, rate: float) -> float:
    import pyloudnorm

    return pyloudnorm.Meter(rate).integrated_loudness(samples.T)


def naive_true_peak(samples: np.ndarray) -> float:
    """4× oversampling with ``scipy.signal.resample_poly``, one channel at a time."""
    from scipy.signal import resample_poly

    peak = max(float(np.max(np.abs(resample_poly(ch, 4, 1)))) for ch in samples)
    return 20 * math.log10(peak) if peak > 0 else float("-inf")


def fft_third_octave(samples: np.ndarray, rate: float, frame: int = 16384, frames_per_chunk: int = 32):
    """Long-term 1/3-octave spectrum: Hann-windowed rfft frames of 16384, powers summed per band."""
    import scipy.fft

    nch, n = samples.shape
    nframes = n // frame
    window = np.hanning(frame).astype(np.float32)
    power = np.zeros(frame // 2 + 1)
    for start in range(0, nframes, frames_per_chunk):
        stop = min(nframes, start + frames_per_chunk)
        seg = samples[:, start * frame : stop * frame].reshape(nch, stop - start, frame) * window
        spec = scipy.fft.rfft(seg, axis=-1)
        power += (spec.real**2 + spec.imag**2).sum(axis=(0, 1))
    freqs = np.fft.rfftfreq(frame, 1.0 / rate)
    centres = 1000.0 * 2.0 ** (np.arange(-17, 14) / 3.0)  # 20 Hz … 20 kHz
    lo = np.searchsorted(freqs, centres * 2 ** (-1 / 6))
    hi = np.searchsorted(freqs, centres * 2 ** (1 / 6))
    cum = np.concatenate([[0.0], np.cumsum(power)])
    bands = cum[hi] - cum[lo]
    total = bands.sum()
    return 10 * np.log10(np.maximum(bands, 1e-30) / total) if total > 0 else bands


# --------------------------------------------------------------------------- benchmark


def run(*, repeat: int = c.DEFAULT_REPEAT, quick: bool = False, **_) -> str:
    from analyzers import analyze
    from bridge.audio_io import read_audio
    from bridge.measure import analyze_file

    path, desc = c.long_flac()
    size_mb = path.stat().st_size / 1e6
    c.log(f"speed: {path.relative_to(c.REPO)} ({size_mb:.1f} MB), best of {repeat}")
    notes: list[str] = []
    tuned = c.tune_like_the_cli()

    # ---- whole processes, then in-process meters: each group round-robin (run 1 of every
    # contender, then run 2 …) so that a burst of load elsewhere hits them all alike
    ff = c.ffmpeg()
    py = sys.executable
    secondear = c.venv_bin("secondear")
    if not ff:
        notes.append("ffmpeg not found: no process reference (scripts/setup-system installs it).")
    processes = {
        "ffmpeg": [ff, "-nostats", "-hide_banner", "-i", str(path),
                   "-filter_complex", "ebur128=peak=true", "-f", "null", "-"],  # fmt: skip
        "secondear": [secondear, "analyze", str(path), "--json"],
        "import": [py, "-c", "import analyzers, bridge.measure"],
        "python": [py, "-c", "pass"],
    }
    if not ff:
        del processes["ffmpeg"]
    pt, failures = c.race({k: (lambda cmd=cmd: c.run_process(cmd)) for k, cmd in processes.items()}, repeat)
    notes += [f"{k} failed: {v}" for k, v in failures.items()]
    t_ffmpeg, t_cli, t_import, t_bare = (pt.get(k) for k in ("ffmpeg", "secondear", "import", "python"))

    samples, rate = read_audio(path)  # the pre-decoded array every in-process meter gets
    duration = samples.shape[1] / rate
    meters = {
        "analyze_file": lambda: analyze_file(path),
        "read_audio": lambda: read_audio(path),
        "analyze": lambda: analyze(samples, rate),
        "analyze workers=1": lambda: analyze(samples, rate, workers=1),
    }
    try:
        import pyebur128  # noqa: F401

        interleaved = np.ascontiguousarray(samples.T).reshape(-1)
        meters["pyebur128"] = lambda: pyebur128_measure(interleaved, samples.shape[1], rate, samples.shape[0])
    except ImportError:
        notes.append("pyebur128 is not installed (`scripts/setup test,bench`): no in-process reference.")
    try:
        import pyloudnorm  # noqa: F401

        meters["pyloudnorm"] = lambda: pyloudnorm_integrated(samples, rate)
    except ImportError:
        notes.append("pyloudnorm is not installed (`scripts/setup test,bench`).")
    meters["resample_poly TP"] = lambda: naive_true_peak(samples)
    meters["scipy.fft spectrum"] = lambda: fft_third_octave(samples, rate)
    mt, results = c.race(meters, repeat, keep_results=True)
    meters_order = (
        "analyze_file", "read_audio", "analyze", "analyze workers=1",
        "pyebur128", "pyloudnorm", "resample_poly TP", "scipy.fft spectrum",
    )  # fmt: skip
    failures = {k: v for k, v in results.items() if isinstance(v, BaseException)}
    notes += [f"{k} failed: {v!r}" for k, v in failures.items()]
    t_file, t_read, t_analyze, t_analyze1, t_ebu, t_pln, t_tp, t_fft = (mt.get(k) for k in meters_order)
    analysis_file = results["analyze_file"][1] if t_file is not None else None
    analysis = results["analyze"] if t_analyze is not None else None
    ebu = results.get("pyebur128") if t_ebu is not None else None
    pln = results.get("pyloudnorm") if t_pln is not None else None
    tp_naive = results.get("resample_poly TP") if t_tp is not None else None

    # ---- tables
    def row(label: str, t: float | None, ref: float | None, goal: str = "", realtime: bool = True) -> list[str]:
        xrt = "–" if not t else f"{duration / t:.0f}×"
        return [label, c.secs(t), c.ratio(t, ref), xrt if realtime else "", goal]

    def goal_cli() -> str:
        if t_cli is None or t_ffmpeg is None:
            return "≤ ffmpeg: –"
        return f"≤ ffmpeg: {'met' if t_cli <= t_ffmpeg else 'not met'}"

    def goal_inproc(t: float | None) -> str:
        g = f"≤ {GOAL_IN_PROCESS_S} s"
        if t is None:
            return f"{g}: –"
        return f"{g}: met" if t <= GOAL_IN_PROCESS_S else f"{g}: not met ({t / GOAL_IN_PROCESS_S:.1f}× over)"

    proc_rows = [
        row("ffmpeg -filter_complex ebur128=peak=true (I, LRA, TP)", t_ffmpeg, t_ffmpeg, "reference"),
        row("secondear analyze FILE --json (every figure)", t_cli, t_ffmpeg, goal_cli()),
        row('python -c "import analyzers, bridge.measure" (start-up)', t_import, t_ffmpeg, realtime=False),
        row('python -c "pass" (bare interpreter, for scale)', t_bare, t_ffmpeg, realtime=False),
    ]
    in_rows = [
        row("bridge.measure.analyze_file(FILE): decode + every figure", t_file, t_ebu, goal_inproc(t_file)),
        row("analyzers.analyze(array): every figure, no decoding", t_analyze, t_ebu, goal_inproc(t_analyze)),
        row("analyzers.analyze(array, workers=1): the same on one thread", t_analyze1, t_ebu),
        row("bridge.audio_io.read_audio(FILE): decoding only", t_read, t_ebu),
        row("pyebur128: I + LRA + true peak", t_ebu, t_ebu, "reference"),
        row("pyloudnorm: I only", t_pln, t_ebu),
        row("scipy resample_poly 4×: true peak only", t_tp, t_ebu),
        row("scipy.fft frames of 16384: 1/3-octave spectrum only", t_fft, t_ebu),
    ]

    agree = []
    for label, a in (("analyzers.analyze", analysis), ("analyze_file", analysis_file)):
        if a is not None:
            lo = a.loudness
            agree.append([label, c.num(lo.integrated_lufs), c.num(lo.lra_lu), c.num(a.levels.true_peak_dbtp)])
    if ebu is not None:
        agree.append(["pyebur128", c.num(ebu[0]), c.num(ebu[1]), c.num(ebu[2])])
    if pln is not None:
        agree.append(["pyloudnorm", c.num(pln), "", ""])
    if tp_naive is not None:
        agree.append(["resample_poly 4×", "", "", c.num(tp_naive)])

    out = [
        "## Speed",
        "",
        f"File: `{path.relative_to(c.REPO)}`, {duration:.0f} s stereo {rate / 1000:g} kHz 24-bit FLAC "
        f"({size_mb:.1f} MB): {desc}. Best of {repeat} run{'s' if repeat != 1 else ''}, "
        "taken round-robin within each table; "
        "“× realtime” = audio duration / time.",
        "",
        "### Whole processes (ratio to ffmpeg's process)",
        "",
        c.md_table(["process", "seconds", "ratio", "× realtime", "goal"], proc_rows, "lrrrl"),
        "",
        "### In process, on the same pre-decoded float32 array (ratio to pyebur128)",
        "",
        c.md_table(["what", "seconds", "ratio", "× realtime", "goal"], in_rows, "lrrrl"),
        "",
        "Peers run on one thread; `analyzers.analyze` uses up to min(4, cores) threads "
        "(the one-thread row shows the cost without them). pyebur128 gets the array already "
        "interleaved (the conversion is not timed). "
        + (
            "This process's allocator is tuned as the `secondear` entry point tunes it "
            "(`bridge.runtime.tune_allocator()`), for ours and the peers alike."
            if tuned
            else "No `bridge.runtime.tune_allocator()` here: the process runs with default allocator settings."
        ),
        "",
        "Same figures from each (a sanity check that everyone measured the same audio):",
        "",
        c.md_table(["meter", "I (LUFS)", "LRA (LU)", "TP (dBTP)"], agree),
    ]
    if quick:
        out += ["", "_Quick run: one repetition, so these include cold caches._"]
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    return "\n".join(out)


def main() -> None:
    c.main_with_repeat(run, __doc__)


if __name__ == "__main__":
    main()
