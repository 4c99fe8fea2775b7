"""Process-wide settings for long measuring and rendering jobs (called by entry points only)."""

from __future__ import annotations

import sys


def tune_allocator() -> None:
    """Keep freed numpy buffers in the process (glibc only).

    The meters allocate and free a few MB per block; by default glibc hands that memory back
    to the kernel and takes it again at the next block, and the page faults cost about a
    third of a second on a four-minute song. Raising the trim and mmap thresholds keeps the
    freed buffers for reuse, in two arenas shared by the worker threads; memory stays
    bounded by the block size (benchmarks/bench_memory.py).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8
        # two arenas: the meters' worker threads would otherwise each keep a heap of freed
        # buffers, and the process grows with the file's length (measured: 60-minute peak
        # 1.45x the 4-minute one with the default arenas)
        libc.mallopt(m_arena_max, 2)
        libc.mallopt(m_trim_threshold, 64 * 1024 * 1024)
        libc.mallopt(m_mmap_threshold, 16 * 1024 * 1024)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass
