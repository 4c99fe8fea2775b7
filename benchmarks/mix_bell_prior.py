"""Finished mixes as a learned prior: how well can a ±6 dB bell on a whole mix be found blind?

The question behind the issue's goal "``suggest`` on a whole mix with ``--genre`` finds a ±6 dB
bell anywhere from 100 Hz to 8 kHz in 80 % of cases" while "at most one run in five proposes an
EQ move of 2 dB or more on finished work": is there, in a mix's long-term spectrum alone, enough
to tell an added bell from the mix's own balance, if the prior knowledge of what finished mixes
look like is learned from a few hundred of them instead of written as a genre curve?

Material: finished music by people, the soundtracks Debian ships (``--fetch`` runs ``apt-get
download`` of :data:`PACKAGES` into ``benchmarks/.cache/prior-music`` and unpacks them, the
music inside two games' zip archives too; their
licences are in each package's ``usr/share/doc/*/copyright``; nothing of them is kept but the
spectra, in ``benchmarks/.cache``), or any folder of music files (``--music DIR``). The middle
30 s of each track (each file once; tracks under 20 s, sound effects, left out) is analysed as ``analyze`` does; its fine spectrum (1/24 octave, smoothed
over 1/6 octave, :func:`analyzers.suggest.fine.fine`) is read every 1/12 octave from 70 Hz to
9 kHz, and its level and tilt (a line in log-frequency) are projected out. Held out: the mixes
of ``../shared/corpus`` (LMMS) and ``../shared/corpus-real`` (the benchmark's own ``restraint``
cases).

Three figures:

* **local departure**: at each centre (every 1/6 octave, 100 Hz–8 kHz), the gain of a Q 1.4
  bell fitted by least squares to the spectrum with a line, ±1.5 octaves around it: the spread
  over the finished tracks (standard deviation, and the MAD scaled to it) is what a bell of
  6 dB must stand out of when judged against the mix's own neighbourhood;
* **learned prior**: a Gaussian over the whole shape (mean and covariance, Ledoit-Wolf
  shrinkage, :class:`sklearn.covariance.LedoitWolf`); a bell at centre c is tested by its
  generalised likelihood ratio, ``z = b'C⁻¹(s−μ) / sqrt(b'C⁻¹b)`` for the bell's response b.
  ``d'`` is what a 6 dB bell at a known centre gives (the best any rule on this prior can do
  there); searched over all centres, the largest ``|z|`` of the clean tracks sets the threshold
  (their 80th and 95th percentile: one false run in five, one in twenty);
* **detection**: the bells of the ``restraint`` benchmark (±6 dB, Q 1.4, at 150 Hz, 500 Hz,
  1.5 kHz, 5 kHz) added to each track's spectrum as the filter's exact response (the most a
  long-term spectrum can show of them), found when the largest ``|z|`` passes the threshold at a
  centre within half an octave with the bell's sign; five-fold cross-validation on the Debian
  set (threshold and prior from the other four folds), then the held-out corpus mixes against
  the prior and threshold of the whole set.

Run: ``.venv/bin/python benchmarks/mix_bell_prior.py --fetch`` (first time; about 760 MB of
packages, five minutes of analysis on two cores), then ``benchmarks/mix_bell_prior.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import zipfile
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import soundfile as sf
from common import REPO, log

from analyzers import analyze
from analyzers.eq_response import move_response_db
from analyzers.moves import Move
from analyzers.suggest.fine import fine

#: Debian packages of game soundtracks (finished music by people; 232 tracks in Debian 12).
PACKAGES = ("hyperrogue-music", "nexuiz-music", "planetblupi-music-ogg", "singularity-music", "ufoai-music",
            "warzone2100-music", "wesnoth-1.16-music", "asc-music", "drascula-music")  # fmt: skip
CACHE = REPO / "benchmarks" / ".cache"
MUSIC = CACHE / "prior-music"
EXCERPT_S = 30.0
SHORTEST_S = 20.0
POINTS_HZ = 2.0 ** np.arange(np.log2(70.0), np.log2(9000.0), 1 / 12)
CENTRES_HZ = 2.0 ** np.arange(np.log2(100.0), np.log2(8000.0) + 1e-9, 1 / 6)
BELLS_HZ = (150.0, 500.0, 1500.0, 5000.0)
BELL_Q = 1.4
LOCAL_HALF_OCT = 1.5
AUDIO = (".ogg", ".opus", ".mp3", ".flac", ".wav")


def fetch(dest: Path) -> None:
    """Download and unpack :data:`PACKAGES` (apt-get download needs Debian's package lists)."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        sys.exit("mix_bell_prior: --fetch needs apt-get and dpkg-deb (Debian); give --music DIR instead")
    debs = dest / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=debs, check=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest / "tree")], check=True)
    for pk3 in sorted((dest / "tree").rglob("*.pk3")):  # two games keep their music in zip archives
        with zipfile.ZipFile(pk3) as z:
            for name in z.namelist():
                if "music/" in name and name.lower().endswith(AUDIO):
                    z.extract(name, dest / "pk3" / pk3.stem)


def music_files(folder: Path) -> list[Path]:
    """The audio files under ``folder``, each once (a package links one track under five names)."""
    if not folder.exists():
        return []
    return sorted({p.resolve() for p in folder.rglob("*") if p.suffix.lower() in AUDIO and p.is_file()})


def _spectrum(path: str) -> tuple[str, np.ndarray] | None:
    """The track's middle :data:`EXCERPT_S` as analyze's fine spectrum, on :data:`POINTS_HZ` (dB)."""
    try:
        y, rate = sf.read(path, dtype="float32", always_2d=True)
    except Exception as e:  # a file libsndfile cannot read is left out, and said
        log(f"  left out {path}: {e}")
        return None
    y = y.T
    n = int(EXCERPT_S * rate)
    if y.shape[1] < rate * SHORTEST_S:  # a sound effect, not a piece of music
        return None
    start = max(0, (y.shape[1] - n) // 2)
    f, level = fine(analyze(np.ascontiguousarray(y[:, start : start + n]), rate))
    ok = np.isfinite(level)
    if f.size == 0 or f[ok][-1] < POINTS_HZ[-1]:
        return None
    return path, np.interp(np.log2(POINTS_HZ), np.log2(f[ok]), level[ok])


def spectra(files: list[Path]) -> tuple[list[str], np.ndarray]:
    """Every file's spectrum, cached in ``benchmarks/.cache`` by the list of files."""
    key = hashlib.sha1("\n".join(map(str, files)).encode()).hexdigest()[:12]
    cached = CACHE / f"prior_spectra_{key}.npz"
    if cached.exists():
        d = np.load(cached)
        return list(d["paths"]), d["levels"]
    out = []
    with Pool(2) as pool:
        for i, r in enumerate(pool.imap(_spectrum, [str(p) for p in files]), 1):
            if r is not None:
                out.append(r)
            if i % 25 == 0:
                log(f"  {i}/{len(files)} analysed")
    paths, levels = [r[0] for r in out], np.array([r[1] for r in out])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cached, paths=np.array(paths), levels=levels)
    return paths, levels


def _bell_db(freq_hz: float, gain_db: float) -> np.ndarray:
    return move_response_db(Move("peak", {"freq_hz": freq_hz, "gain_db": gain_db, "q": BELL_Q}), POINTS_HZ, 48000.0)


def local_gains(levels: np.ndarray) -> np.ndarray:
    """Per track and centre: a unit bell's gain fitted with a line, ±:data:`LOCAL_HALF_OCT`."""
    x = np.log2(POINTS_HZ)
    out = np.empty((levels.shape[0], CENTRES_HZ.size))
    for k, c in enumerate(CENTRES_HZ):
        w = np.abs(x - np.log2(c)) <= LOCAL_HALF_OCT
        design = np.stack([np.ones(w.sum()), x[w] - np.log2(c), _bell_db(c, 1.0)[w]], 1)
        out[:, k] = np.linalg.lstsq(design, levels[:, w].T, rcond=None)[0][-1]
    return out


class Prior:
    """A Gaussian over the spectrum's shape (level and tilt projected out)."""

    def __init__(self, shapes: np.ndarray, project: np.ndarray):
        from sklearn.covariance import LedoitWolf

        fit = LedoitWolf().fit(shapes)
        self.mean = fit.location_
        inv = np.linalg.inv(fit.covariance_)
        self.bells = np.array([project @ _bell_db(c, 1.0) for c in CENTRES_HZ])
        self.weights = self.bells @ inv
        self.info = np.einsum("ij,ij->i", self.weights, self.bells)  # b'C⁻¹b per centre

    def dprime(self, gain_db: float) -> np.ndarray:
        return abs(gain_db) * np.sqrt(self.info)

    def best(self, shape: np.ndarray) -> tuple[float, float, float]:
        """The centre whose bell explains ``shape`` best: (centre Hz, gain dB, z)."""
        gain = self.weights @ (shape - self.mean) / self.info
        z = gain * np.sqrt(self.info)
        k = int(np.argmax(np.abs(z)))
        return float(CENTRES_HZ[k]), float(gain[k]), float(z[k])


def detections(prior: Prior, shapes: np.ndarray, project: np.ndarray, threshold: float) -> tuple[int, int]:
    """Bells of the restraint benchmark added to each shape: (found, cases)."""
    found = total = 0
    for s in shapes:
        for fc in BELLS_HZ:
            for gain in (6.0, -6.0):
                c, g, z = prior.best(s + project @ _bell_db(fc, gain))
                total += 1
                found += abs(z) > threshold and abs(np.log2(c / fc)) <= 0.5 and g * gain > 0
    return found, total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--music", type=Path, default=MUSIC, help="a folder of finished music (default: the fetched set)")
    ap.add_argument("--fetch", action="store_true", help=f"download and unpack the Debian soundtracks into {MUSIC}")
    args = ap.parse_args()
    if args.fetch:
        fetch(args.music)
    files = music_files(args.music)
    if not files:
        sys.exit(f"mix_bell_prior: no music under {args.music}; run with --fetch (Debian) or give --music DIR")
    from ears import corpus_dir, corpus_real_dir

    held = sorted(corpus_dir().glob("*/mix.flac")) + sorted(corpus_real_dir().glob("m*/audio.flac"))
    if not held:
        log("!! ../shared/corpus and corpus-real are missing: no held-out mixes")
    log(f"mix_bell_prior: {len(files)} files under {args.music}, {len(held)} held-out mixes")
    _, train = spectra(files)
    _, test = spectra(held) if held else ([], np.zeros((0, POINTS_HZ.size)))
    x = np.log2(POINTS_HZ) - np.log2(POINTS_HZ).mean()
    nuisance = np.stack([np.ones_like(x), x], 1)
    project = np.eye(x.size) - nuisance @ np.linalg.pinv(nuisance)
    train, test = train @ project.T, test @ project.T

    g = local_gains(train)
    mad = 1.4826 * np.median(np.abs(g - np.median(g, 0)), 0)
    log(f"\n{train.shape[0]} finished tracks. Local departure (a Q {BELL_Q} bell's gain against a line, "
        f"±{LOCAL_HALF_OCT} oct), over the centres 100 Hz–8 kHz: standard deviation "
        f"{g.std(0).min():.1f}–{g.std(0).max():.1f} dB (median {np.median(g.std(0)):.1f}), MAD-scaled "
        f"{mad.min():.1f}–{mad.max():.1f} dB (median {np.median(mad):.1f})")  # fmt: skip

    prior = Prior(train, project)
    dp = prior.dprime(6.0)
    log(f"Learned prior, a 6 dB bell at a known centre: d' {dp.min():.2f}–{dp.max():.2f} (median {np.median(dp):.2f})")
    rng = np.random.default_rng(1)
    folds = rng.permutation(train.shape[0]) % 5
    rows = {0.80: [0, 0, 0, 0], 0.95: [0, 0, 0, 0]}  # false, clean, found, cases
    for k in range(5):
        fit, held_out = train[folds != k], train[folds == k]
        p = Prior(fit, project)
        clean_fit = np.array([abs(p.best(s)[2]) for s in fit])
        clean_out = np.array([abs(p.best(s)[2]) for s in held_out])
        for share, row in rows.items():
            t = float(np.quantile(clean_fit, share))
            found, cases = detections(p, held_out, project, t)
            row[0] += int((clean_out > t).sum())
            row[1] += held_out.shape[0]
            row[2] += found
            row[3] += cases
    log("\nFive-fold cross-validation on the finished tracks (threshold: the training folds' clean max |z|):")
    log("| threshold at | false runs (clean, held-out folds) | ±6 dB bells found within ½ octave |")
    log("| --- | ---: | ---: |")
    for share, (false, clean, found, cases) in rows.items():
        log(f"| {share:.0%} of clean | {false}/{clean} ({false / clean:.0%}) | {found}/{cases} ({found / cases:.0%}) |")
    if test.shape[0]:
        clean_all = np.array([abs(prior.best(s)[2]) for s in train])
        zt = np.array([abs(prior.best(s)[2]) for s in test])
        log(f"\nHeld-out corpus mixes ({test.shape[0]}), prior and threshold from all {train.shape[0]} tracks; "
            f"their clean max |z|: {', '.join(f'{v:.1f}' for v in zt)}")  # fmt: skip
        for share in rows:
            t = float(np.quantile(clean_all, share))
            found, cases = detections(prior, test, project, t)
            log(f"  threshold {t:.2f} ({share:.0%} of clean): false runs {(zt > t).sum()}/{zt.size}, "
                f"bells found {found}/{cases} ({found / cases:.0%})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
