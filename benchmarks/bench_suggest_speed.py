"""Speed of the suggestion engine, against the analysis it follows and against Matchering 2.

In process, on the 4-minute test audio (``common.long_flac()``, pre-decoded): ``analyze``
alone, ``analyze`` then ``suggest`` (every context at once: genre, target, reference, intent
words), and ``suggest`` alone in several contexts on a ready analysis. Goal: suggest adds at
most 0.5 s to analyze.

Whole processes, on a 30 s excerpt of the same audio and a 30 s reference taken from
further on: ``secondear apply EXCERPT -o OUT --reference REF`` (suggest, render every
accepted move, write, read back, measure) against Matchering 2's whole process
(``python -c "import matchering; matchering.process(…)"``) on the same pair. Goal: at least
5× faster than Matchering.

Best of N, round-robin within each table. Nothing is asserted.

Run alone: ``.venv/bin/python benchmarks/bench_suggest_speed.py [--repeat N]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import common as c

GOAL_SUGGEST_S = 0.5  # suggest's time on top of analyze's, 4-minute file, in process
GOAL_VS_MATCHERING = 5.0  # `secondear apply --reference` at least this many times faster
EXCERPT_S = 30
TARGET_START_S = 0  # the excerpt: song 1 and the first 10 s of song 2
REFERENCE_START_S = 100  # the reference: songs 6 and 7 (or the demo, tiled)
INTENT = "warmer but not muddy, more glue"


def excerpt_wav(name: str, start_s: float, seconds: float) -> Path:
    """``seconds`` of the 4-minute audio from ``start_s``, as a 24-bit WAV in the cache."""
    from pedalboard.io import AudioFile

    _, sig = c.long_source()

    def build(tmp: Path) -> None:
        x = c.long_audio()[:, int(start_s * c.RATE) : int((start_s + seconds) * c.RATE)]
        with AudioFile(str(tmp), "w", c.RATE, c.CHANNELS, bit_depth=24) as f:
            f.write(x)

    return c._cached(name, f"{sig}-excerpt-v1-{start_s}-{seconds}", build)


def matchering_cmd(py: str, target: Path, reference: Path, out: Path) -> list[str]:
    code = (
        "import sys, matchering as mg; "
        "mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])"
    )
    return [py, "-c", code, str(target), str(reference), str(out)]


def run(*, repeat: int = c.DEFAULT_REPEAT, quick: bool = False, **_) -> str:
    from analyzers import analyze
    from analyzers.context import make_context
    from analyzers.suggest import suggest
    from bridge.audio_io import read_audio
    from bridge.measure import analyze_file

    notes: list[str] = []
    tuned = c.tune_like_the_cli()
    path, desc = c.long_flac()
    target = excerpt_wav(f"excerpt_{EXCERPT_S}s_at_{TARGET_START_S}.wav", TARGET_START_S, EXCERPT_S)
    reference = excerpt_wav(f"excerpt_{EXCERPT_S}s_at_{REFERENCE_START_S}.wav", REFERENCE_START_S, EXCERPT_S)
    c.log(f"suggest-speed: {path.relative_to(c.REPO)}, best of {repeat}")

    # ---- in process, 4-minute file
    samples, rate = read_audio(path)
    duration = samples.shape[1] / rate
    analysis = analyze(samples, rate)
    _, ref_analysis = analyze_file(reference)
    contexts = {
        "mix (defaults)": make_context(),
        "genre pop, target spotify": make_context(genre_name="pop", target="spotify"),
        "reference (30 s excerpt)": make_context(reference=ref_analysis, reference_name=str(reference)),
        f'intent "{INTENT}"': make_context(intent=INTENT),
    }
    contexts["all of them"] = make_context(genre_name="pop", target="spotify", reference=ref_analysis,
                                           reference_name=str(reference), intent=INTENT)  # fmt: skip
    everything = contexts["all of them"]
    contenders = {
        "analyze": lambda: analyze(samples, rate),
        "analyze + suggest": lambda: suggest(analyze(samples, rate), everything),
    }
    for label, ctx in contexts.items():
        contenders[f"suggest: {label}"] = lambda ctx=ctx: suggest(analysis, ctx)
    t_in, results = c.race(contenders, repeat, keep_results=True)
    notes += [f"{k} failed: {v!r}" for k, v in results.items() if isinstance(v, BaseException)]
    t_an = t_in.get("analyze")
    t_both = t_in.get("analyze + suggest")
    counts = {k[len("suggest: "):]: len(v.suggestions) for k, v in results.items()
              if k.startswith("suggest: ") and not isinstance(v, BaseException)}  # fmt: skip

    def goal_extra(extra: float | None) -> str:
        g = f"≤ {GOAL_SUGGEST_S:g} s over analyze"
        if extra is None:
            return f"{g}: –"
        return f"{g}: {'met' if extra <= GOAL_SUGGEST_S else 'not met'}"

    extra = None if t_both is None or t_an is None else t_both - t_an
    in_rows = [
        ["analyzers.analyze(array)", c.secs(t_an), c.ratio(t_an, t_an), "", "reference"],
        ["analyze, then suggest (all of them)", c.secs(t_both), c.ratio(t_both, t_an),
         "–" if extra is None else f"{extra:+.3f}", goal_extra(extra)],
    ]  # fmt: skip
    for label in contexts:
        t = t_in.get(f"suggest: {label}")
        in_rows.append([f"suggest alone: {label} ({counts.get(label, '–')} moves)", c.secs(t), c.ratio(t, t_an),
                        "", goal_extra(t)])  # fmt: skip

    # ---- whole processes, 30 s excerpt
    py = sys.executable
    secondear = c.venv_bin("secondear")
    try:
        import matchering  # noqa: F401

        has_mg = True
    except ImportError:
        has_mg = False
        notes.append("Matchering is not installed (`scripts/setup test,bench`): no process reference.")
    with tempfile.TemporaryDirectory(prefix="secondear-suggest-speed-") as tmpdir:
        tmp = Path(tmpdir)
        procs = {
            "secondear apply": [
                secondear,
                "apply",
                str(target),
                "-o",
                str(tmp / "ours.wav"),
                "--reference",
                str(reference),
                "--no-progress",
            ],  # fmt: skip
            "secondear suggest": [
                secondear,
                "suggest",
                str(target),
                "--reference",
                str(reference),
                "--json",
                "--no-progress",
            ],  # fmt: skip
            "matchering": matchering_cmd(py, target, reference, tmp / "mg.wav"),
            "import secondear": [py, "-c", "import analyzers, analyzers.suggest, bridge.apply, ui.cli"],
            "import matchering": [py, "-c", "import matchering"],
        }
        if not has_mg:
            del procs["matchering"], procs["import matchering"]
        t_p, failures = c.race({k: (lambda cmd=cmd: c.run_process(cmd)) for k, cmd in procs.items()}, repeat)
        notes += [f"{k} failed: {v}" for k, v in failures.items()]
    t_apply, t_sug, t_mg, t_imp, t_imp_mg = (t_p.get(k) for k in (
        "secondear apply", "secondear suggest", "matchering", "import secondear", "import matchering"))  # fmt: skip

    def goal_mg() -> str:
        g = f"≥ {GOAL_VS_MATCHERING:g}× faster than Matchering"
        if t_apply is None or t_mg is None:
            return f"{g}: –"
        return f"{g}: {'met' if t_mg / t_apply >= GOAL_VS_MATCHERING else 'not met'} ({t_mg / t_apply:.1f}×)"

    def speedup(t: float | None) -> str:
        return "–" if t is None or t_mg is None or t <= 0 else f"{t_mg / t:.1f}×"

    proc_rows = [
        ["matchering.process(target, reference, pcm24)", c.secs(t_mg), c.ratio(t_mg, t_mg), "1.0×" if t_mg else "–", "reference"],
        ["secondear apply EXCERPT -o OUT --reference REF", c.secs(t_apply), c.ratio(t_apply, t_mg), speedup(t_apply), goal_mg()],
        ["secondear suggest EXCERPT --reference REF --json", c.secs(t_sug), c.ratio(t_sug, t_mg), speedup(t_sug), ""],
        ['python -c "import analyzers, analyzers.suggest, bridge.apply, ui.cli"', c.secs(t_imp), c.ratio(t_imp, t_mg), "", "start-up, for scale"],
        ['python -c "import matchering"', c.secs(t_imp_mg), c.ratio(t_imp_mg, t_mg), "", "start-up, for scale"],
    ]  # fmt: skip
    out = [
        "## Suggestion speed",
        "",
        f"In process: `{path.relative_to(c.REPO)}` ({duration:.0f} s stereo {rate / 1000:g} kHz: {desc}), decoded "
        f"once. Whole processes: `{target.relative_to(c.REPO)}` ({EXCERPT_S} s from {TARGET_START_S} s) with "
        f"`{reference.relative_to(c.REPO)}` ({EXCERPT_S} s from {REFERENCE_START_S} s) as the reference, both "
        f"24-bit WAV. Best of {repeat} run{'s' if repeat != 1 else ''}, round-robin within each table.",
        "",
        "### In process, 4-minute file (ratio to analyze)",
        "",
        c.md_table(["what", "seconds", "ratio", "over analyze", "goal"], in_rows, "lrrrl"),
        "",
        '"all of them": genre pop, target spotify, the reference excerpt and the intent words '
        "together (the reference's tonal rule replaces the genre's). "
        + (
            "This process's allocator is tuned as the `secondear` entry point tunes it."
            if tuned
            else "No allocator tuning here."
        ),  # fmt: skip
        "",
        f"### Whole processes, {EXCERPT_S} s excerpt with a reference (ratio to Matchering 2)",
        "",
        c.md_table(["process", "seconds", "ratio", "speed-up", "goal"], proc_rows, "lrrrl"),
        "",
        "`secondear apply` accepts every suggestion (its default `--accept all`): it reads and "
        "measures the reference and the excerpt, suggests, renders, writes 24-bit, reads back and "
        "measures again. Matchering resamples both to 44.1 kHz, matches RMS, spectrum (FIR) and "
        "peak, and limits; output 24-bit.",
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
