"""The analyzers' error and warning family.

Every error a caller can get from :mod:`analyzers` derives from :class:`AnalyzerError`;
the stdlib base (``ValueError``) is kept so that generic handlers still work.
Advisory conditions (clipping, too short for a figure) are not errors: they are
reported as text in ``Analysis.warnings`` so that nothing is lost and nothing raises.
"""

from __future__ import annotations


class AnalyzerError(Exception):
    """Root of every error raised by :mod:`analyzers`."""


class ParameterError(AnalyzerError, ValueError):
    """An argument is out of range or of the wrong shape; the message repeats the value."""
