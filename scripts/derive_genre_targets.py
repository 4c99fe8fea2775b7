#!/usr/bin/env python3
"""Derive the base tonal curve of analyzers/data/genres.json from the shared corpus.

The base ("electronic") curve is the mean long-term 1/3-octave spectrum of the eight LMMS
demo mixes in ../shared/corpus (power mean of the level-normalised band levels), smoothed
over one octave and read at the octave centres 31.5 Hz … 16 kHz. Run it from the
repository root; it prints the anchors that genres.json stores as "electronic".
Licences of the songs: each corpus folder's meta.json (CC-BY-SA-3/4, Artistic-2, BSD-2,
GPL-2+); only these derived statistics are shipped, not the audio.
"""

import glob
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analyzers.spectrum import EXACT_CENTRES_HZ  # noqa: E402
from bridge.measure import analyze_file  # noqa: E402

OCTAVE_CENTRES_HZ = (31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000)


def main() -> int:
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    files = sorted(glob.glob(str(corpus / "*" / "mix.flac")))
    if not files:
        print(f"no corpus at {corpus}: this script needs ../shared/corpus", file=sys.stderr)
        return 1
    levels = np.array([analyze_file(f)[1].spectrum.level_db for f in files], dtype=float)
    mean_db = 10 * np.log10((10 ** (levels / 10)).mean(axis=0))
    centres = np.array(EXACT_CENTRES_HZ)
    anchors = {}
    for fc in OCTAVE_CENTRES_HZ:
        near = np.abs(np.log2(centres / fc)) <= 0.5 + 1e-6  # one octave around fc
        anchors[str(fc)] = round(float(10 * np.log10((10 ** (mean_db[near] / 10)).mean())), 1)
    print(json.dumps({"songs": len(files), "anchors_db": anchors}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
