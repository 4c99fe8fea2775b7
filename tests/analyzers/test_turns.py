"""Reading a turn's words, and a turn's record (pure parts of analyzers.suggest.turns)."""

from __future__ import annotations

import pytest

from analyzers.context import UnknownNameError
from analyzers.errors import ParameterError
from analyzers.moves import Move
from analyzers.suggest import Suggestion
from analyzers.suggest.turns import Turn, effect, parse_request, quality_of, scaled


@pytest.mark.parametrize(("words", "kind", "detail"), [
    ("a bit more", "scale", 1.5), ("Much more!", "scale", 2.0), ("less of the last one", "scale", 0.5),
    ("a bit less", "scale", 0.67), ("undo that", "undo", None), ("Undo", "undo", None),
    ("back to where we were before the air", "back", "air"), ("back to before warmer", "back", "warmer"),
    ("too dark now", "reverse", "dark"), ("it's a bit too muddy", "reverse", "muddy"),
    ("warmer but not muddy", "words", None), ("more air", "words", None),
])  # fmt: skip
def test_parse_request(words, kind, detail):
    r = parse_request(words)
    assert r.kind == kind
    if kind == "scale":
        assert r.factor == detail
    elif kind == "back":
        assert r.target == detail
    elif kind == "reverse":
        assert r.quality == detail


def test_unknown_quality_and_empty_words_are_errors():
    with pytest.raises(UnknownNameError, match="not a quality I know"):
        parse_request("too purple now")
    with pytest.raises(ParameterError):
        parse_request("  ")


@pytest.mark.parametrize(("word", "region", "sign"), [
    ("dark", (2000, 16000), -1), ("bright", (2000, 16000), 1), ("muddy", (150, 400), 1),
    ("thin", (40, 250), -1), ("boomy", (40, 250), 1), ("harsh", (2000, 5000), 1),
])  # fmt: skip
def test_qualities(word, region, sign):
    q = quality_of(word)
    assert (q.kind, q.region_hz, q.sign) == ("eq", region, sign)


def test_effect_names_the_move_that_did_it():
    dark = quality_of("dark")
    cut = Move("high_shelf", {"freq_hz": 6000.0, "gain_db": -3.0, "q": 0.707})
    boost = Move("peak", {"freq_hz": 250.0, "gain_db": 3.0, "q": 0.8})
    assert effect(cut, dark, 48000) > 1.0  # the shelf darkened 2–16 kHz
    assert abs(effect(boost, dark, 48000)) < 0.1  # the low-mid peak did not
    assert effect(Move("gain", {"gain_db": 2.0}), quality_of("loud"), 48000) == 2.0


def test_scaled_moves_the_amount_from_its_start():
    m = Move("peak", {"freq_hz": 250.0, "gain_db": 3.0, "q": 0.8})
    assert scaled(m, 1.5).params["gain_db"] == 4.5
    start = Move("peak", {"freq_hz": 250.0, "gain_db": 2.0, "q": 0.8})
    assert scaled(m, 2.0, start=start).params["gain_db"] == 4.0  # the change (+1) doubled
    assert scaled(Move("compressor", {"threshold_db": -20.0, "ratio": 3.0}), 0.5).params["ratio"] == 2.0
    assert scaled(Move("highpass", {"freq_hz": 80.0}), 2.0) is None
    assert scaled(m, 20.0).params["gain_db"] == 24.0  # never past the kind's range


def _s(sid: str, gain: float) -> Suggestion:
    return Suggestion(id=sid, move=Move("peak", {"freq_hz": 250.0, "gain_db": gain, "q": 0.8}), why="w",
                      confidence=0.6, severity="low", aspect="intent:warmer")  # fmt: skip


def test_turn_changes_and_round_trip():
    t = Turn(words="a bit more", kind="scale", proposals=(_s("warmer-2", 3.0),), replaces={"warmer-2": "warmer"},
             before=(_s("warmer", 2.0), _s("keep", 1.0), _s("gone", 1.0)),
             after=(_s("warmer-2", 3.0), _s("keep", 1.0)), figures={"integrated_lufs": -14.0})  # fmt: skip
    changed = [(None if a is None else a.id, None if b is None else b.id) for a, b in t.changed()]
    assert changed == [("warmer", "warmer-2"), ("gone", None)]
    assert Turn.from_dict(t.to_dict()) == t
