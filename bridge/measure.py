"""Measure an audio file: stream its blocks through :class:`analyzers.Analyzer`."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from analyzers import Analysis, Analyzer

from .audio_io import AudioInfo, iter_blocks, probe

_DONE = object()

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
    for block in _prefetched(iter_blocks(info)):
        analyzer.push(block)
        done += block.shape[1]
        if progress is not None:
            progress(done, info.num_frames)
    analysis = analyzer.finish()
    if info.warnings:
        analysis = replace(analysis, warnings=info.warnings + analysis.warnings)
    return info, analysis


def _prefetched(blocks: Iterator[np.ndarray], depth: int = 4) -> Iterator[np.ndarray]:
    """Decode the next blocks on a thread while the current one is measured.

    pedalboard releases the GIL while it decodes, so decoding and measuring overlap; the
    queue holds at most ``depth`` blocks, so memory stays bounded. An exception raised by
    the decoder is re-raised here, in the caller's thread.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for block in blocks:
                while not stop.is_set():
                    try:
                        q.put(block, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=work, name="secondear-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
