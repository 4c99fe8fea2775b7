"""Gathering pushed blocks into chunks: the streaming meters' common first step.

A caller pushes blocks of any length (a file reader's 64k frames, a render's 8k); the
meters work on chunks of about a quarter-million samples, where numpy's per-call cost is
small beside the work and the threads a chunk is split over each get enough to do.
"""

from __future__ import annotations

import numpy as np


class Chunker:
    """Blocks shaped ``(channels, n)`` in, chunks of at least ``chunk_samples`` out.

    :meth:`add` returns a chunk when enough has been gathered (``None`` otherwise);
    :meth:`take` returns what is held, whatever its length (at the end of the stream).
    A single block is passed on as it is, without a copy.
    """

    def __init__(self, chunk_samples: int) -> None:
        self.chunk_samples = int(chunk_samples)
        self._blocks: list[np.ndarray] = []
        self.held_samples = 0

    def add(self, block: np.ndarray) -> np.ndarray | None:
        if block.shape[1] == 0:
            return None
        self._blocks.append(block)
        self.held_samples += block.shape[1]
        return self.take() if self.held_samples >= self.chunk_samples else None

    def take(self) -> np.ndarray | None:
        if not self._blocks:
            return None
        blocks, self._blocks, self.held_samples = self._blocks, [], 0
        return np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
