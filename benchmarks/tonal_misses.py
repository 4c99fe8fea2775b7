"""Why each +8 dB bell of the tonal ears benchmark is missed: the rule that drops it.

For every damaged case of ``benchmarks/ears/tonal.py`` (a +8 dB, Q 2 bell at 250 Hz, 500 Hz,
1.2 kHz or 3 kHz on a real voice, instrument or LMMS stem) that gets no cut within 1/3
octave, the first rule of :func:`analyzers.suggest.corrective.bumps` that stands in its way:

* ``zone (bell-made)`` / ``zone``: the centre lies outside where bumps are looked for (half
  an octave inside a roll-off); "bell-made" when the clean source has no such roll-off, i.e.
  the bell's own flank on a falling spectrum reads as a knee;
* ``register``: inside the role's own register (its two lowest octaves of fundamentals);
* ``steady frames``: on a voice, no bell of 6.5 dB in three frames in four; ``steady, no
  long-term bump``: there is, but no long-term bump of 3.5 dB within 1/6 octave to place it on;
* ``depth``: no long-term bump of 3.5 dB within 1/3 octave;
* ``roughness``: a bump, but under 6× the spectrum's own roughness;
* ``fleeting``: a bump, but not there in three frames in four;
* ``shoulder``: a narrowband source's passband shoulder;
* ``cut cap``: three larger bumps (the source's own) took the three cuts.

Also the steady figure (lower quartile over the frames of a fitted bell's gain, dB) at the
bell on the damaged and on the clean source: an added bell lifts it by about its gain.

Run: ``.venv/bin/python benchmarks/tonal_misses.py`` (needs ``../shared/corpus-real`` and
``../shared/corpus``).
"""

from __future__ import annotations

import collections
import math
import sys

import common as c
import ears
from ears import Case, tonal

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import corrective as cr
from analyzers.suggest.fine import features, fine, limits
from bridge.advise import advise


def _zone(analysis) -> tuple[float, float]:
    f, level = fine(analysis)
    return cr.zone_hz(analysis, limits(f, level))


def reason(case: Case, analysis, clean) -> tuple[str, float | None]:
    """The rule that drops the bell of ``case`` (``found`` when it is answered), and the
    height (dB) of the long-term bump nearest it."""
    fc = case.truth["freq_hz"]
    ctx = make_context(role_name=case.role, **case.context)
    if tonal.judge(case, advise(analysis, ctx)).detected:
        return "found", None
    f, level = fine(analysis)
    lim = limits(f, level)
    zone = cr.zone_hz(analysis, lim)
    found = features(f, level, sample_rate_hz=analysis.sample_rate_hz, zone_hz=zone, min_db=0.0)
    near = [x for x in found if abs(math.log2(x.freq_hz / fc)) <= 1 / 3]
    height = max((x.height_db for x in near), default=None)
    guard = cr.protected_hz(ctx)
    need = max(cr.BUMP_DB, cr.ROUGHNESS_FACTOR * cr.roughness(f, level, zone))
    if not zone[0] <= fc <= zone[1]:
        clean_zone = _zone(clean)
        return ("zone (bell-made)" if clean_zone[0] <= fc <= clean_zone[1] else "zone"), height
    if guard is not None and guard[0] <= fc <= guard[1]:
        return "register", height
    if analysis.steady is not None and ctx.role.name in cr.STEADY_ROLES:
        steady = [p for p in cr.steady_bumps(analysis, ctx, zone, guard) if abs(math.log2(p[0] / fc)) <= 1 / 3]
        if not steady:
            return "steady frames", height
        shown = [x for x in found if x.height_db >= cr.BUMP_DB and abs(math.log2(x.freq_hz / steady[0][0])) <= 1 / 6]
        if not shown:
            return "steady, no long-term bump", height
        return ("shoulder" if cr._shoulder(shown[0], lim) else "cut cap"), height
    big = [x for x in near if x.height_db >= cr.BUMP_DB]
    if not big:
        return "depth", height
    x = big[0]
    if x.height_db < need:
        return "roughness", height
    if cr._fleeting(analysis, x.freq_hz):
        return "fleeting", height
    if cr._shoulder(x, lim):
        return "shoulder", height
    return "cut cap", height


def main() -> int:
    sources = ears.real_sources() + ears.corpus_sources(stems=True)
    if not sources:
        print("no real sources: ../shared/corpus-real and ../shared/corpus are missing "
              "(set SECONDEAR_CORPUS_REAL / SECONDEAR_CORPUS)")  # fmt: skip
        return 1
    cases = [k for k in tonal.cases(sources, quick=False) if "filter_hz" not in k.truth]
    clean = {k.source: analyze(k.audio, k.sample_rate_hz) for k in cases if k.control}
    rows, tally = [], collections.Counter()
    for k in cases:
        if k.control:
            continue
        a = analyze(k.audio, k.sample_rate_hz)
        why, height = reason(k, a, clean[k.source])
        kind = "stem" if "/" in k.source else "real"
        tally[(kind, why)] += 1
        fc = k.truth["freq_hz"]
        s_dmg, s_clean = cr._steady_near(a, fc, 1 / 6), cr._steady_near(clean[k.source], fc, 1 / 6)
        rows.append([k.name, k.role, why, "–" if height is None else f"{height:+.1f}",
                     "–" if s_dmg is None else f"{s_dmg:+.1f}", "–" if s_clean is None else f"{s_clean:+.1f}"])  # fmt: skip
    print(c.md_table(["case", "role", "rule", "bump (dB)", "steady (dB)", "steady clean (dB)"], rows, "lllrrr"))
    print()
    reasons = sorted({w for _, w in tally})
    print(c.md_table(["", *reasons], [[kind] + [str(tally[(kind, w)]) for w in reasons] for kind in ("real", "stem")],
                     "l" + "r" * len(reasons)))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
