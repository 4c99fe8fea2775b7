"""Measure an audio file: stream its blocks through :class:`analyzers.Analyzer`."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace

from analyzers import Analysis, Analyzer

from .audio_io import AudioInfo, iter_blocks, probe

#: ``progress(frames_done, frames_total)``
Progress = Callable[[int, int], None]


def analyze_file(
    path: str | os.PathLike[str], *, progress: Progress | None = None, **options
) -> tuple[AudioInfo, Analysis]:
    """Read ``path`` block by block and measure it; memory stays bounded by the block size.

    Parameters
    ----------
    path : path-like
        An audio file pedalboard can read.
    progress : callable, optional
        Called after each block with (frames done, frames in total).
    **options
        Passed to :class:`analyzers.Analyzer`.

    Returns
    -------
    (AudioInfo, Analysis)
        The file's description and the measurement; warnings about the file itself (a
        truncated header) are added to the analysis' warnings.

    Raises
    ------
    bridge.errors.AudioReadError
        The file cannot be read.
    """
    info = probe(path)
    analyzer = Analyzer(info.sample_rate_hz, info.num_channels, **options)
    done = 0
    for block in iter_blocks(info):
        analyzer.push(block)
        done += block.shape[1]
        if progress is not None:
            progress(done, info.num_frames)
    analysis = analyzer.finish()
    if info.warnings:
        analysis = replace(analysis, warnings=info.warnings + analysis.warnings)
    return info, analysis
