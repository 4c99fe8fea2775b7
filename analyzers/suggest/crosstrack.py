"""The cross-track rule: related microphones first (:mod:`.alignment`), then masking of the
focus track by the others (:mod:`.masking`), the focus's own other microphones left out of
the masking (they reinforce it rather than mask it). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ParameterError
from .alignment import MAX_LAG_MS, RelatedPair, related_pairs
from .masking import masking
from .tracks import CrossTrackAdvice
from .tracks import common_rate as _common_rate

__all__ = ["CrossTrackAdvice", "cross_track_advice"]


def cross_track_advice(
    tracks: Mapping[str, tuple[np.ndarray, float]],
    *,
    focus: str | None = None,
    max_lag_ms: float = MAX_LAG_MS,
) -> CrossTrackAdvice:
    """Related microphones among ``tracks``, then masking of ``focus`` by the others.

    Tracks related to the focus (the same source, another microphone) are left out of the
    masking: they reinforce it rather than mask it. ``focus`` defaults to the first track.
    """
    if not tracks:
        return CrossTrackAdvice()
    rate = _common_rate(tracks)
    advice = related_pairs(tracks, max_lag_ms=max_lag_ms)
    focus = next(iter(tracks)) if focus is None else focus
    if focus not in tracks:
        raise ParameterError(f"focus {focus!r} is not one of the tracks: {', '.join(tracks)}")
    same_source = _component(focus, advice.pairs)
    others = {k: v[0] for k, v in tracks.items() if k not in same_source}
    notes = ()
    if len(same_source) > 1:
        notes = (f"masking: {', '.join(sorted(same_source - {focus}))} left out: the same source as {focus}",)
    if not others:
        return advice + CrossTrackAdvice(notes=notes)
    return advice + CrossTrackAdvice(notes=notes) + masking((focus, tracks[focus][0]), others, rate)


def _component(name: str, pairs: tuple[RelatedPair, ...]) -> set[str]:
    out, grew = {name}, True
    while grew:
        grew = False
        for p in pairs:
            if (p.a in out) != (p.b in out):
                out |= {p.a, p.b}
                grew = True
    return out
