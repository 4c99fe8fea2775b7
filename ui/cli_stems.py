"""Cross-track suggestions when several files are given to ``suggest`` (filled by the stems work)."""

from __future__ import annotations


def cross_track(files, results, args) -> None:
    """Add masking and polarity/delay suggestions between the files to ``results``."""
    return None
