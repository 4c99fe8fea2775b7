"""Cross-track suggestions when several files are given to ``suggest`` (stems).

``secondear suggest --json kick_in.wav kick_out.wav vocal.wav guitar.wav [--focus vocal.wav]``
adds, to each file's answer, the moves that only the set can justify
(:mod:`analyzers.suggest.multitrack`):

* a ``polarity`` flip and a ``delay`` in samples between related microphones (the same
  source captured twice), placed on the track each applies to;
* complementary ``peak`` cuts on the tracks that mask the focus track (``--focus``, by
  default the first file).

Each added suggestion carries ``"cross_track": true``. Files are never resampled: when the
rates differ, every answer gets a note and nothing cross-track is added.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def cross_track(files, results, args) -> None:
    """Add masking and polarity/delay suggestions between the files to ``results`` (in place).

    Parameters
    ----------
    files : list of str
        The files, in the order of ``results``.
    results : list of dict
        Each file's ``suggest`` answer (``path, analysis, context, suggestions, leave_alone,
        notes``), or ``{path, error}`` for a file that could not be read (left out here).
    args : argparse.Namespace
        ``args.focus`` (optional): the track to keep clear of masking.
    """
    from analyzers.errors import AnalyzerError
    from analyzers.suggest.multitrack import cross_track_advice
    from bridge.audio_io import read_audio
    from bridge.errors import AudioReadError

    usable = [i for i, r in enumerate(results) if "error" not in r]
    if len(usable) < 2:
        return
    names = _track_names([files[i] for i in usable])
    tracks = {}
    for i, name in zip(usable, names):
        try:
            samples, rate = read_audio(files[i])
        except AudioReadError as exc:
            _note(results, usable, f"cross-track: skipped: {exc}")
            return
        # mono sum (channel mean) right away: the moves apply to every channel of a track
        tracks[name] = (samples.mean(axis=0, dtype="float32")[None, :], float(rate))
        del samples
    rates = {r for _, r in tracks.values()}
    if len(rates) > 1:
        listing = ", ".join(f"{n} {r / 1000:g} kHz" for n, (_, r) in tracks.items())
        _note(results, usable, f"cross-track (masking, polarity, delay) skipped: the sample rates differ ({listing}); "
                               "Second Ear never resamples — export the stems at one rate")  # fmt: skip
        return
    focus = _focus(getattr(args, "focus", None), [files[i] for i in usable], names)
    if focus is None:
        _note(results, usable, f"--focus {args.focus}: not one of the files; the first, {names[0]}, is the focus")
        print(f"secondear: --focus {args.focus} is not one of the files; using {names[0]}", file=sys.stderr)
        focus = names[0]
    try:
        advice = cross_track_advice(tracks, focus=focus)
    except AnalyzerError as exc:  # pragma: no cover — rates are checked above
        _note(results, usable, f"cross-track: skipped: {exc}")
        return
    index = dict(zip(names, usable))
    for name, s in advice.suggestions:
        r = results[index[name]]
        taken = {x["id"] for x in r["suggestions"]}
        d = s.to_dict()
        base, n = d["id"], 2
        while d["id"] in taken:
            d["id"], n = f"{base}-{n}", n + 1
        d["cross_track"] = True
        r["suggestions"].append(d)
    for name, k in advice.leave_alone:
        results[index[name]]["leave_alone"].append(k.to_dict())
    pairs = "; ".join(f"{p.a} ↔ {p.b} (r {p.alignment.correlation:+.2f} at {p.alignment.lag_samples:+d} samples)"
                      for p in advice.pairs)  # fmt: skip
    summary = f"cross-track: focus {focus}; related microphones: {pairs or 'none'}"
    _note(results, usable, summary)
    for n in advice.notes:
        _note(results, usable, n)


def _track_names(paths: list[str]) -> list[str]:
    """File stems; a stem seen twice gets its parent folder's name in front."""
    stems = [Path(p).stem for p in paths]
    out = []
    for p, s in zip(paths, stems):
        out.append(s if stems.count(s) == 1 else f"{Path(p).parent.name}/{s}")
    seen: dict[str, int] = {}
    for i, s in enumerate(out):  # still equal (same folder name): number them
        seen[s] = seen.get(s, 0) + 1
        if out.count(s) > 1:
            out[i] = f"{s}#{seen[s]}"
    return out


def _focus(wanted: str | None, paths: list[str], names: list[str]) -> str | None:
    """The focus track's name: ``wanted`` matched as a path, a file name or a track name."""
    if not wanted:
        return names[0]
    for p, n in zip(paths, names):
        if wanted in (p, n, Path(p).name, Path(p).stem):
            return n
        try:
            if os.path.exists(wanted) and os.path.samefile(wanted, p):
                return n
        except OSError:
            continue
    return None


def _note(results, indices, text: str) -> None:
    for i in indices:
        results[i].setdefault("notes", []).append(text)
