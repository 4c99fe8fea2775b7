"""``secondear analyze``: measure audio files (or the built-in demo) and print the figures.

analyze [FILE...] [--json] [--no-progress]
    BS.1770-4 loudness (integrated, short-term, momentary, LRA), true peak, crest factor,
    PLR, the spectrum, stereo correlation and width, DC, clipping, noise floor, silence and
    sections; without FILE, the built-in demo mix. Folders are expanded to their audio files.

Exit status: 0 every file measured, 1 a file could not be read.
"""

from __future__ import annotations

import argparse
from typing import Any

from analyzers import analyze
from analyzers.report import analysis_to_dict
from bridge.demo import DEMO_NAME, DEMO_SAMPLE_RATE_HZ, demo_mix
from bridge.errors import AudioReadError
from bridge.measure import analyze_file

from .context import expand, file_progress, print_results, say, show_progress
from .report import render_table


def add_analyze_parser(sub: Any) -> None:
    p = sub.add_parser(
        "analyze",
        help="measure loudness, peaks, spectrum, stereo and hygiene of audio files",
        description=(
            "Measure audio files: BS.1770-4 loudness (integrated, short-term, momentary, LRA), "
            "true peak, crest factor, PLR, 1/3-octave spectrum, stereo correlation and width, "
            "DC, clipping, noise floor, silence and sections. Without FILE, the built-in demo."
        ),
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="audio files or folders (WAV, FLAC, AIFF, MP3, OGG)")
    p.add_argument("--json", action="store_true", help="print JSON (one object, or an array for several files)")
    p.add_argument("--no-progress", action="store_true", help="never draw a progress bar on stderr")


def run_analyze_command(args: argparse.Namespace) -> int:
    results: list[dict[str, Any]] = []
    if not args.files:
        results.append(analysis_to_dict(analyze(demo_mix(), DEMO_SAMPLE_RATE_HZ), path=DEMO_NAME))
    files = expand(args.files)
    if args.files and not files:
        say("no audio files to analyze")
        return 1
    bars = show_progress(args)
    for i, path in enumerate(files):
        label = f"[{i + 1}/{len(files)}] {path}" if len(files) > 1 else path
        with file_progress(label, enabled=bars) as progress:
            try:
                _, analysis = analyze_file(path, progress=progress)
                results.append(analysis_to_dict(analysis, path=path))
            except AudioReadError as exc:
                results.append({"path": path, "error": str(exc)})
    return print_results(results, as_json=args.json, render=render_table)
