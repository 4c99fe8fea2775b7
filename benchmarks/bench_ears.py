"""The ears: for each problem Second Ear must hear, detection rate, false moves on clean
controls and the proposed centre's error, on damaged copies of real recordings.

Every module ``benchmarks/ears/<problem>.py`` (see ``benchmarks/ears/__init__.py`` for the
interface) makes its cases from the real sources; each case is measured and advised exactly
as ``secondear suggest`` would (:func:`analyzers.analyze` then :func:`bridge.advise.advise`
in the case's context), and the module's ``judge`` says what the advice did.

Goals (issue "Ears an engineer trusts"): each problem detected and named in ≥ 90 % of cases;
false moves on clean controls ≤ 5 %; centre within 1/6 octave (0.167 oct).

Run alone: ``.venv/bin/python benchmarks/bench_ears.py [--quick] [--problem NAME]``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import statistics
import sys
import time
from pathlib import Path

import common as c
import ears

from analyzers import analyze
from analyzers.context import make_context
from bridge.advise import advise

GOAL_DETECTED = 0.90
GOAL_FALSE = 0.05
GOAL_CENTRE_OCT = 1 / 6


def problem_modules(only: list[str] | None = None) -> list:
    """Every ``benchmarks/ears/<problem>.py``, in name order (``only``: those named)."""
    folder = Path(ears.__file__).parent
    mods = []
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        mod = importlib.import_module(f"ears.{info.name}")
        if hasattr(mod, "PROBLEM") and hasattr(mod, "cases") and hasattr(mod, "judge"):
            if not only or mod.PROBLEM in only:
                mods.append(mod)
    return mods


def judge_case(mod, case: ears.Case) -> ears.Verdict:
    analysis = analyze(case.audio, case.sample_rate_hz)
    ctx = make_context(role_name=case.role, **case.context)
    return mod.judge(case, advise(analysis, ctx))


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100.0 * n / d:.0f} %)" if d else "–"


def run(repeat: int = 1, quick: bool = False, keep: bool = False, only: list[str] | None = None) -> str:
    del repeat, keep  # judgement, not timing: one pass
    sources = ears.real_sources() + ears.corpus_sources(stems=not quick)
    if not sources:
        msg = (f"no real sources: {ears.corpus_real_dir()} and {ears.corpus_dir()} are missing "
               "(set SECONDEAR_CORPUS_REAL / SECONDEAR_CORPUS); the ears benchmark needs real recordings")  # fmt: skip
        c.log(msg)
        return "## Ears\n\n" + msg
    rows, details = [], []
    t0 = time.perf_counter()
    for mod in problem_modules(only):
        cases = mod.cases(sources, quick=quick)
        damaged = [k for k in cases if not k.control]
        controls = [k for k in cases if k.control]
        verdicts = {}
        for k in cases:
            verdicts[k.name] = v = judge_case(mod, k)
            if (not k.control and not v.detected) or v.false_move:
                details.append(f"- {mod.PROBLEM} · {k.name}: {v.detail}")
        found = sum(verdicts[k.name].detected for k in damaged)
        named = sum(verdicts[k.name].detected and verdicts[k.name].named for k in damaged)
        false_on_controls = sum(verdicts[k.name].false_move or verdicts[k.name].detected for k in controls)
        wrong_on_damaged = sum(verdicts[k.name].false_move for k in damaged)
        errs = [verdicts[k.name].centre_error_oct for k in damaged if verdicts[k.name].centre_error_oct is not None]
        rows.append([
            mod.PROBLEM, _pct(found, len(damaged)), _pct(named, len(damaged)), _pct(false_on_controls, len(controls)),
            _pct(wrong_on_damaged, len(damaged)),
            c.num(statistics.median(errs), 3) if errs else "–", c.num(max(errs), 3) if errs else "–",
        ])  # fmt: skip
        c.log(f"{mod.PROBLEM}: {found}/{len(damaged)} found, {false_on_controls}/{len(controls)} false on controls")
    table = c.md_table(
        ["problem", "detected", "detected and named", "moves on clean controls", "wrong moves on damaged",
         "centre error median (oct)", "centre error max (oct)"], rows, "lllllrr")  # fmt: skip
    text = [
        "## Ears: detection on damaged real recordings",
        "",
        f"{len(sources)} real sources (`../shared/corpus-real`, `../shared/corpus`{' mixes' if quick else ''}); "
        f"took {time.perf_counter() - t0:.0f} s. Goals: detected and named ≥ {GOAL_DETECTED:.0%}, moves on "
        f"clean controls ≤ {GOAL_FALSE:.0%}, centre error ≤ {GOAL_CENTRE_OCT:.3f} oct.",
        "",
        table,
    ]
    if details:
        text += ["", "Misses and false moves:", "", *details[:60]]
        if len(details) > 60:
            text.append(f"- … and {len(details) - 60} more")
    return "\n".join(text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="mixes only, fewer cases")
    ap.add_argument("--problem", action="append", help="only this problem (repeatable)")
    args = ap.parse_args()
    print(run(quick=args.quick, only=args.problem))
    return 0


if __name__ == "__main__":
    sys.exit(main())
