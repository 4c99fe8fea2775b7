"""The engineer's words: parsing, unknown words, every descriptor answered, negation and scaling."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pedalboard as pb
import pytest

from analyzers import analyze
from analyzers.context import UnknownNameError, load_data, make_context
from analyzers.eq_response import move_response_db
from analyzers.suggest import Wish, parse_intent, suggest
from analyzers.moves import TONAL_EQ_KINDS as EQ_KINDS
from bridge.demo import demo_mix
from signals import pink_noise

RATE = 48000
DESCRIPTORS = list(load_data("intents")["descriptors"])


@lru_cache(maxsize=None)
def demo_analysis():
    return analyze(demo_mix()[:, : 20 * RATE], RATE)


@lru_cache(maxsize=None)
def pink(shape: str = "flat"):
    x = pink_noise(np.random.default_rng(440), 10.0, RATE)
    if shape == "flat":
        return x
    if shape == "bright":
        return _shelf_band(x, 2000.0, 8000.0, 4.0)
    if shape == "lowmid-dip":
        return np.asarray(pb.PeakFilter(cutoff_frequency_hz=250.0, gain_db=-6.0, q=0.7)(x, RATE), dtype=np.float32)
    raise KeyError(shape)


def _shelf_band(x: np.ndarray, lo_hz: float, hi_hz: float, gain_db: float) -> np.ndarray:
    """``gain_db`` added exactly between lo_hz and hi_hz (FFT), 1/6-octave raised-cosine edges."""
    n = x.shape[1]
    f = np.fft.rfftfreq(n, 1 / RATE)
    octs = np.log2(np.maximum(f, 1.0))
    edge = 1 / 6

    def ramp(o0):  # 0 below o0 - edge/2, 1 above o0 + edge/2
        return np.clip((octs - (o0 - edge / 2)) / edge, 0, 1)

    w = ramp(np.log2(lo_hz)) * (1 - ramp(np.log2(hi_hz)))
    w = 0.5 - 0.5 * np.cos(np.pi * w)
    g = 10 ** (gain_db * w / 20)
    return np.fft.irfft(np.fft.rfft(x, axis=1) * g[None, :], n, axis=1).astype(np.float32)


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("warmer but not muddy", [("warmer", True), ("less muddy", False)]),
        ("more air", [("more air", True)]),
        ("less harsh, more glue", [("less harsh", True), ("glue", True)]),
        ("let it breathe", [("more dynamic", True)]),
        ("chorus lift", [("chorus lift", True)]),
        ("wider", [("wider", True)]),
        ("narrower", [("narrower", True)]),
        ("Warmer, NOT muddy", [("warmer", True), ("less muddy", False)]),
        ("make it brighter please", [("brighter", True)]),
        ("", []),
    ],
)
def test_parse_intent(text, expected):
    wishes = parse_intent(text)
    assert [(w.descriptor, w.wanted) for w in wishes] == expected
    assert all(isinstance(w, Wish) and w.words for w in wishes)


@pytest.mark.parametrize("word", ["sparkly", "warmr", "more sparkle"])
def test_unknown_word_lists_known_descriptors_and_the_nearest(word):
    with pytest.raises(UnknownNameError) as info:
        parse_intent(f"wider, {word}")
    msg = str(info.value)
    assert repr(word) in msg
    for name in DESCRIPTORS:
        assert name in msg, f"{name!r} is not listed in {msg!r}"
    if word == "warmr":
        assert "nearest:" in msg and "warmer" in msg.split("nearest:")[1]


def test_suggest_with_an_unknown_word_raises():
    """``suggest`` on a context with an unknown word raises the same error (no silent skip)."""
    with pytest.raises(UnknownNameError):
        suggest(demo_analysis(), make_context(intent="sparkly"))


# --------------------------------------------------------------------------- every descriptor


def _answers(advice, name: str) -> list[str]:
    """What in an answer responds to the descriptor ``name``: suggestions and notes."""
    out = [s.id for s in advice.suggestions
           if s.aspect.startswith(f"intent:{name}") or s.source.startswith(f"intents.json: {name}")
           or s.source == "intents.json"]  # fmt: skip
    out += [n for n in advice.notes if f"'{name}'" in n or f"intent:{name}" in n]
    return out


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_every_descriptor_gets_a_suggestion_or_a_note_on_the_demo(name):
    advice = suggest(demo_analysis(), make_context(intent=name))
    assert _answers(advice, name), (
        f"{name!r} produced nothing: {[s.id for s in advice.suggestions]} / {advice.notes}"
    )


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_every_alias_parses_to_its_descriptor(name):
    entry = load_data("intents")["descriptors"][name]
    for alias in [name, *entry.get("aliases", [])]:
        assert [(w.descriptor, w.wanted) for w in parse_intent(alias)] == [(name, True)], alias


# --------------------------------------------------------------------------- negation and scaling


@pytest.mark.parametrize(
    ("material", "context"),
    [("demo", {}), ("pink", {}), ("lowmid-dip", {}), ("lowmid-dip", {"reference": "pink"}), ("demo", {"genre_name": "pop"})],
    ids=["demo", "pink", "pink-lowmid-dip", "pink-lowmid-dip-vs-pink", "demo-pop"],
)
def test_warmer_but_not_muddy_never_boosts_150_to_400hz(material, context):
    a = demo_analysis() if material == "demo" else analyze(pink("flat" if material == "pink" else material), RATE)
    kw = dict(context)
    if kw.get("reference") == "pink":
        kw["reference"] = analyze(pink("flat"), RATE)
    advice = suggest(a, make_context(intent="warmer but not muddy", **kw))
    f = np.geomspace(150.0, 400.0, 64)
    eq = [s for s in advice.suggestions if s.move.kind in EQ_KINDS]
    total = sum((move_response_db(s.move, f, RATE) for s in eq), np.zeros_like(f))
    worst = int(np.argmax(total))
    assert total[worst] < 0.5, (
        f"{total[worst]:+.2f} dB at {f[worst]:.0f} Hz from " + ", ".join(s.move.describe() for s in eq)
    )
    assert any(s.aspect.startswith("intent:warmer") for s in advice.suggestions) or any("'warmer'" in n for n in advice.notes)


def _brighter_boost_db(x: np.ndarray) -> float:
    """The boost 'brighter' asks for: the summed gain of its EQ moves (0 when none)."""
    advice = suggest(analyze(x, RATE), make_context(intent="brighter"))
    eq = [s for s in advice.suggestions if s.move.kind in EQ_KINDS and s.aspect == "intent:brighter"]
    return float(sum(s.move.params["gain_db"] for s in eq))


def test_brighter_gives_less_boost_where_the_top_is_already_bright():
    flat = _brighter_boost_db(pink("flat"))
    bright = _brighter_boost_db(pink("bright"))
    a_flat, a_bright = analyze(pink("flat"), RATE).spectrum, analyze(pink("bright"), RATE).spectrum
    diff = np.array([b - a for a, b in zip(a_flat.level_db, a_bright.level_db)])
    centres = np.array(a_flat.centres_hz)
    # level shares: the lift of 2.5–6.3 kHz against 100 Hz–1 kHz
    lift = diff[(centres >= 2500) & (centres <= 6300)].mean() - diff[(centres >= 100) & (centres <= 1000)].mean()
    assert lift == pytest.approx(4.0, abs=1.0), "the material is not 4 dB bright in 2–8 kHz"
    assert flat >= 2.5, f"'brighter' on flat pink noise asks for only {flat:+.2f} dB"
    assert bright <= flat - 2.0, f"'brighter' boosts {bright:+.2f} dB on bright material, {flat:+.2f} dB on flat"
