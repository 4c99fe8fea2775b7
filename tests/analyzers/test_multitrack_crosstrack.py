"""The cross-track rule (analyzers/suggest/crosstrack.py): alignment first, then masking of the
focus by the tracks that are not its own other microphones."""

from __future__ import annotations

import pytest

from analyzers.errors import ParameterError
from analyzers.suggest.crosstrack import cross_track_advice
from tests.analyzers.stemtracks import kick_track, second_mic, tracks


def test_a_related_mic_of_the_focus_is_not_a_masker(rng):
    a = kick_track(rng)
    b = second_mic(rng, a, lag=37, invert=True)
    advice = cross_track_advice(tracks(kick_in=a, kick_out=b), focus="kick_in")
    assert not any(s.move.kind == "peak" for _, s in advice.suggestions)
    assert any("same source" in n for n in advice.notes)
    with pytest.raises(ParameterError, match="focus"):
        cross_track_advice(tracks(kick_in=a, kick_out=b), focus="vocal")
