"""Second Ear's meters: pure measurement over float arrays shaped ``(channels, samples)``.

No file or socket I/O, no plugins, no Qt. The entry points are :func:`analyze` for audio
in memory and :class:`Analyzer` for audio that arrives block by block; both return an
immutable :class:`Analysis`.
"""

from .analysis import Analyzer, analyze
from .errors import AnalyzerError, ParameterError
from .records import (
    Analysis,
    HygieneResult,
    LevelResult,
    LoudnessResult,
    Section,
    SpectrumResult,
    StereoResult,
)

__all__ = [
    "Analysis",
    "Analyzer",
    "AnalyzerError",
    "HygieneResult",
    "LevelResult",
    "LoudnessResult",
    "ParameterError",
    "Section",
    "SpectrumResult",
    "StereoResult",
    "analyze",
]
