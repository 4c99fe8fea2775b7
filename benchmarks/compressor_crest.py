"""What pedalboard's compressor does to the crest factor, against the model the compressor
suggestion predicts with (:func:`analyzers.suggest.dynamics.compressor_crest_drop_db`).

Each real recording under ``shared/corpus-real`` and each LMMS mix under ``shared/corpus``
(its first 30 s) goes through ``bridge.render``'s compressor at attacks of 3, 10 and 30 ms,
ratios 2 and 4 and thresholds 3–20 dB under its sample peak; the crest factor (sample peak
over RMS, as ``analyze`` reads it) is measured before and after. Prints the median, 10th and
90th percentile of the delivered fall per setting, then the model's residual and the share
of measurements within the crest tolerance of ``apply``'s check (±1.5 dB).

Run alone: ``.venv/bin/python benchmarks/compressor_crest.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzers import analyze  # noqa: E402
from analyzers.moves import Move  # noqa: E402
from analyzers.suggest.dynamics import compressor_crest_drop_db  # noqa: E402
from bridge.audio_io import read_audio  # noqa: E402
from bridge.checks import tolerance_for  # noqa: E402
from bridge.render import render_move  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXCERPT_S = 30.0
ATTACKS_MS = (3.0, 10.0, 30.0)
RATIOS = (2.0, 4.0)
DEPTHS_DB = (3.0, 6.0, 10.0, 15.0, 20.0)


def sources() -> list[Path]:
    """The real recordings and the LMMS mixes."""
    return sorted(SHARED.glob("corpus-real/*/*.flac")) + sorted(SHARED.glob("corpus/*/mix.flac"))


def main() -> None:
    rows = []  # (attack, ratio, depth, peak, threshold, delivered fall)
    for path in sources():
        audio, rate = read_audio(path)
        x = np.ascontiguousarray(audio[:, : int(EXCERPT_S * rate)])
        a = analyze(x, rate)
        if a.levels.crest_db is None:
            continue
        peak = a.levels.sample_peak_dbfs
        for attack in ATTACKS_MS:
            for ratio in RATIOS:
                for depth in DEPTHS_DB:
                    m = Move("compressor", {"threshold_db": peak - depth, "ratio": ratio, "attack_ms": attack,
                                            "release_ms": 10 * attack + 10})  # fmt: skip
                    after = analyze(render_move(x, rate, m), rate).levels.crest_db
                    rows.append((attack, ratio, depth, peak, peak - depth, a.levels.crest_db - after))
        print(f"{path.parent.name}: crest {a.levels.crest_db:.1f} dB", flush=True)
    r = np.array(rows)
    print("\nattack  ratio  depth  fall: median  p10   p90")
    for attack in ATTACKS_MS:
        for ratio in RATIOS:
            for depth in DEPTHS_DB:
                fall = r[(r[:, 0] == attack) & (r[:, 1] == ratio) & (r[:, 2] == depth), 5]
                print(f"{attack:6g} {ratio:6g} {depth:6g}  {np.median(fall):12.2f} {np.percentile(fall, 10):5.2f} "
                      f"{np.percentile(fall, 90):5.2f}")  # fmt: skip
    model = np.array([compressor_crest_drop_db(p, t, at) for at, _, _, p, t, _ in rows])
    res = r[:, 5] - model
    tol = tolerance_for("crest_db")[0]
    print(f"\nmodel residual: median {np.median(res):+.2f} dB, p10 {np.percentile(res, 10):+.2f}, "
          f"p90 {np.percentile(res, 90):+.2f}; within ±{tol:g} dB: {100 * np.mean(np.abs(res) <= tol):.0f} % "
          f"of {len(res)}")  # fmt: skip


if __name__ == "__main__":
    main()
