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

import argparse
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


def fft_third_octave(samples: np.ndarray, rate: float, frame: int = 16384, frames_per_chunk: int = 32) -> np.ndarray:
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

    # ---- whole processes
    def proc(label: str, cmd: list[str]) -> float | None:
        try:
            t, _ = c.best_of(lambda: c.run_process(cmd), repeat)
        except c.ProcessFailed as exc:
            notes.append(f"{label} failed: {exc}")
            c.log(f"  {label}: FAILED ({exc})")
            return None
        c.log(f"  {label}: {t:.3f} s")
        return t

    ff = c.ffmpeg()
    py = sys.executable
    secondear = c.venv_bin("secondear")
    t_ffmpeg = (
        proc("ffmpeg", [ff, "-nostats", "-hide_banner", "-i", str(path), "-filter_complex", "ebur128=peak=true", "-f", "null", "-"])
        if ff
        else None
    )
    if not ff:
        notes.append("ffmpeg not found: no process reference (scripts/setup-system installs it).")
    t_cli = proc("secondear", [secondear, "analyze", str(path), "--json"])
    t_import = proc("import", [py, "-c", "import analyzers, bridge.measure"])
    t_bare = proc("python", [py, "-c", "pass"])

    # ---- in process
    def inproc(label: str, fn):
        t, result = c.best_of(fn, repeat)
        c.log(f"  {label}: {t:.3f} s")
        return t, result

    t_file, (_, analysis_file) = inproc("analyze_file", lambda: analyze_file(path))
    t_read, (samples, rate) = inproc("read_audio", lambda: read_audio(path))
    duration = samples.shape[1] / rate
    t_analyze, analysis = inproc("analyze", lambda: analyze(samples, rate))
    t_analyze1, _ = inproc("analyze workers=1", lambda: analyze(samples, rate, workers=1))

    t_ebu = ebu = None
    try:
        import pyebur128  # noqa: F401

        interleaved = np.ascontiguousarray(samples.T).reshape(-1)
        t_ebu, ebu = inproc("pyebur128", lambda: pyebur128_measure(interleaved, samples.shape[1], rate, samples.shape[0]))
        del interleaved
    except ImportError:
        notes.append("pyebur128 is not installed (`scripts/setup test,bench`): no in-process reference.")
    t_pln = pln = None
    try:
        import pyloudnorm  # noqa: F401

        t_pln, pln = inproc("pyloudnorm", lambda: pyloudnorm_integrated(samples, rate))
    except ImportError:
        notes.append("pyloudnorm is not installed (`scripts/setup test,bench`).")
    t_tp, tp_naive = inproc("resample_poly TP", lambda: naive_true_peak(samples))
    t_fft, _ = inproc("scipy.fft spectrum", lambda: fft_third_octave(samples, rate))

    # ---- tables
    def xrt(t: float | None) -> str:
        return "–" if not t else f"{duration / t:.0f}×"

    def goal_cli() -> str:
        if t_cli is None or t_ffmpeg is None:
            return "≤ ffmpeg: –"
        return f"≤ ffmpeg: {'met' if t_cli <= t_ffmpeg else 'not met'}"

    def goal_inproc(t: float) -> str:
        return f"≤ {GOAL_IN_PROCESS_S} s: {'met' if t <= GOAL_IN_PROCESS_S else f'not met ({t / GOAL_IN_PROCESS_S:.1f}× over)'}"

    proc_rows = [
        ["ffmpeg -filter_complex ebur128=peak=true (I, LRA, TP)", c.secs(t_ffmpeg), c.ratio(t_ffmpeg, t_ffmpeg), xrt(t_ffmpeg), "reference"],
        ["secondear analyze FILE --json (every figure)", c.secs(t_cli), c.ratio(t_cli, t_ffmpeg), xrt(t_cli), goal_cli()],
        ['python -c "import analyzers, bridge.measure" (start-up)', c.secs(t_import), c.ratio(t_import, t_ffmpeg), "", ""],
        ['python -c "pass" (bare interpreter, for scale)', c.secs(t_bare), c.ratio(t_bare, t_ffmpeg), "", ""],
    ]
    in_rows = [
        ["bridge.measure.analyze_file(FILE): decode + every figure", c.secs(t_file), c.ratio(t_file, t_ebu), xrt(t_file), goal_inproc(t_file)],
        ["analyzers.analyze(array): every figure, no decoding", c.secs(t_analyze), c.ratio(t_analyze, t_ebu), xrt(t_analyze), goal_inproc(t_analyze)],
        ["analyzers.analyze(array, workers=1): the same on one thread", c.secs(t_analyze1), c.ratio(t_analyze1, t_ebu), xrt(t_analyze1), ""],
        ["bridge.audio_io.read_audio(FILE): decoding only", c.secs(t_read), c.ratio(t_read, t_ebu), xrt(t_read), ""],
        ["pyebur128: I + LRA + true peak", c.secs(t_ebu), c.ratio(t_ebu, t_ebu), xrt(t_ebu), "reference"],
        ["pyloudnorm: I only", c.secs(t_pln), c.ratio(t_pln, t_ebu), xrt(t_pln), ""],
        ["scipy resample_poly 4×: true peak only", c.secs(t_tp), c.ratio(t_tp, t_ebu), xrt(t_tp), ""],
        ["scipy.fft frames of 16384: 1/3-octave spectrum only", c.secs(t_fft), c.ratio(t_fft, t_ebu), xrt(t_fft), ""],
    ]

    lo = analysis.loudness
    agree = [
        ["analyzers.analyze", c.num(lo.integrated_lufs), c.num(lo.lra_lu), c.num(analysis.levels.true_peak_dbtp)],
        ["analyze_file", c.num(analysis_file.loudness.integrated_lufs), c.num(analysis_file.loudness.lra_lu), c.num(analysis_file.levels.true_peak_dbtp)],
    ]
    if ebu is not None:
        agree.append(["pyebur128", c.num(ebu[0]), c.num(ebu[1]), c.num(ebu[2])])
    if pln is not None:
        agree.append(["pyloudnorm", c.num(pln), "", ""])
    agree.append(["resample_poly 4×", "", "", c.num(tp_naive)])

    out = [
        "## Speed",
        "",
        f"File: `{path.relative_to(c.REPO)}`, {duration:.0f} s stereo {rate / 1000:g} kHz 24-bit FLAC "
        f"({size_mb:.1f} MB): {desc}. Best of {repeat} run{'s' if repeat != 1 else ''}; "
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
        "interleaved (the conversion is not timed).",
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
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=c.DEFAULT_REPEAT)
    args = ap.parse_args()
    print(run(repeat=args.repeat, quick=args.repeat == 1))


if __name__ == "__main__":
    main()
