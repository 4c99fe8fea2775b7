"""A vague word said alone ("warmer", "bigger") offers its standard readings as separate
cards; each rendered and measured (an FFT and sample statistics of our own) moves its own
figure and leaves the others' alone. A specific request (the control) gets one reading."""

from __future__ import annotations

import numpy as np
import pytest

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import suggest
from bridge.render import render_chain
from signals import pink_noise

RATE = 48000


def band_db(y: np.ndarray, x: np.ndarray, lo_hz: float, hi_hz: float) -> float:
    f = np.fft.rfftfreq(x.shape[1], 1 / RATE)
    sel = (f >= lo_hz) & (f <= hi_hz)
    p = [np.sum(np.abs(np.fft.rfft(a.astype(np.float64), axis=1)[:, sel]) ** 2) for a in (y, x)]
    return float(10 * np.log10(p[0] / p[1]))


def side_vs_mid_db(y: np.ndarray) -> float:
    mid, side = (y[0] + y[1]) / 2, (y[0] - y[1]) / 2
    return float(10 * np.log10(np.mean(side.astype(np.float64) ** 2) / np.mean(mid.astype(np.float64) ** 2)))


def crest_db(y: np.ndarray) -> float:
    y = y.astype(np.float64)
    return float(20 * np.log10(np.max(np.abs(y)) / np.sqrt(np.mean(y**2))))


@pytest.fixture(scope="module")
def hits():
    """Stereo pink noise in decaying hits, four a second: transients, a side, every band."""
    x = pink_noise(np.random.default_rng(21), 6.0, RATE, level_dbfs=-18.0)
    t = np.arange(x.shape[1]) / RATE
    env = 0.15 + np.exp(-(t % 0.25) / 0.04)
    return (x * env).astype(np.float32)


def _measure(y, x):
    return {"low_mids": band_db(y, x, 235, 265), "top": band_db(y, x, 8000, 16000), "lows": band_db(y, x, 50, 90),
            "mids": band_db(y, x, 1000, 2000), "side": side_vs_mid_db(y) - side_vs_mid_db(x),
            "crest": crest_db(y) - crest_db(x)}  # fmt: skip


def test_warmer_offers_two_readings_measured_distinct(hits):
    advice = suggest(analyze(hits, RATE), make_context(intent="warmer"))
    cards = {s.id: s for s in advice.suggestions if s.aspect == "intent:warmer"}
    assert set(cards) == {"warmer-low-mids", "warmer-less-top"}
    assert "reading 'more low-mids'" in cards["warmer-low-mids"].why and "reading 'less top'" in cards["warmer-less-top"].why
    assert any("2 standard readings" in n and "saturation" in n for n in advice.notes)
    low = _measure(render_chain(hits, RATE, [cards["warmer-low-mids"].move]), hits)
    top = _measure(render_chain(hits, RATE, [cards["warmer-less-top"].move]), hits)
    assert low["low_mids"] >= 2.0 and abs(low["top"]) < 0.3  # more low-mids, the top as it was
    assert top["top"] <= -1.5 and abs(top["low_mids"]) < 0.3  # less top, the low-mids as they were


def test_bigger_offers_three_readings_measured_distinct(hits):
    advice = suggest(analyze(hits, RATE), make_context(intent="bigger"))
    cards = {s.id: s for s in advice.suggestions if s.aspect == "intent:fuller"}
    assert set(cards) == {"bigger-low-end", "bigger-width", "bigger-dynamics"}
    m = {sid: _measure(render_chain(hits, RATE, [s.move]), hits) for sid, s in cards.items()}
    # low end: 50–90 Hz up, the side and the crest as they were
    assert m["bigger-low-end"]["lows"] >= 1.5 and abs(m["bigger-low-end"]["side"]) < 0.3
    # width: the side up by the move's 2 dB against the mid, the spectrum of the sum as it was
    assert m["bigger-width"]["side"] == pytest.approx(cards["bigger-width"].move.params["side_gain_db"], abs=0.3)
    assert abs(m["bigger-width"]["lows"]) < 0.5 and abs(m["bigger-width"]["crest"]) < 0.5
    # less compression: the transients back (crest up), the side as it was
    assert m["bigger-dynamics"]["crest"] >= 0.5 and abs(m["bigger-dynamics"]["side"]) < 0.3
    assert abs(m["bigger-low-end"]["crest"]) < 0.5 and abs(m["bigger-width"]["crest"]) < 0.5


@pytest.mark.parametrize("words", ["warmer but not muddy", "fuller", "warmer, more air"])
def test_specific_words_get_one_reading(hits, words):
    advice = suggest(analyze(hits, RATE), make_context(intent=words))
    assert not any("standard readings" in n for n in advice.notes)
    assert not any(s.id.endswith(("-low-mids", "-less-top", "-low-end", "-width", "-dynamics")) for s in advice.suggestions)
