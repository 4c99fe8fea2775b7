"""The bridge's error family: everything it raises derives from :class:`BridgeError`."""

from __future__ import annotations


class BridgeError(Exception):
    """Root of every error raised by :mod:`bridge`."""


class AudioReadError(BridgeError, OSError):
    """An audio file cannot be read; the message names the file and says why."""
