"""Taste in amounts: an engineer who always halves high boosts and rejects high-passes on
bass. After a few dozen decisions the suggestions follow (measured on the render with an FFT
of our own); a vocal's suggestions (the control) do not change; ``secondear taste reset``
brings the defaults back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import Decision
from analyzers.suggest.taste import amount_key, describe_key, kept_share
from bridge.advise import advise
from bridge.apply import run_apply
from bridge.render import render_chain
from presets import TasteLog
from signals import pink_noise, write_wav16
from ui.cli import main

RATE = 48000


def lift_db(y: np.ndarray, x: np.ndarray, lo_hz: float, hi_hz: float) -> float:
    f = np.fft.rfftfreq(x.shape[1], 1 / RATE)
    sel = (f >= lo_hz) & (f <= hi_hz)
    p = [np.sum(np.abs(np.fft.rfft(a.astype(np.float64), axis=1)[:, sel]) ** 2) for a in (y, x)]
    return float(10 * np.log10(p[0] / p[1]))


@pytest.fixture(scope="module")
def pink():
    x = pink_noise(np.random.default_rng(11), 6.0, RATE, level_dbfs=-22.0)
    return x, analyze(x, RATE)


def test_keys_and_shares():
    shelf = {"freq_hz": 10000.0, "gain_db": 3.0, "q": 0.707}
    assert amount_key("high_shelf", shelf, "bass") == "high_shelf|boost|above 8 kHz|bass"
    assert describe_key("high_shelf|boost|above 8 kHz|bass") == "high-shelf boosts above 8 kHz on bass"
    assert kept_share("high_shelf", shelf, {**shelf, "gain_db": 1.5}) == 0.5
    assert kept_share("high_shelf", shelf, None) == 1.0
    assert amount_key("highpass", {"freq_hz": 40.0}, "bass") is None


def test_engineer_who_halves_high_boosts_and_rejects_highpass_on_bass(capsys, pink):
    x, a = pink
    bass = make_context(role_name="bass", intent="more air")
    vocal = make_context(role_name="vocal", intent="more air")
    default_bass = advise(a, bass)
    assert {s.id for s in default_bass.suggestions} >= {"hpf", "more-air"}
    log = TasteLog()
    for _ in range(16):  # 32 decisions: every high boost halved, every high-pass on bass turned down
        for s in advise(a, bass, taste=None).suggestions:
            if s.id == "hpf":
                log.append(Decision.of(s, "rejected", context=bass))
            elif s.id == "more-air":
                log.append(Decision.of(s, "tweaked", final={**s.move.params, "gain_db": s.move.params["gain_db"] / 2},
                                       context=bass))  # fmt: skip
    taste = log.summary()
    assert taste["decisions"] == 32
    learnt = advise(a, bass, taste=taste)
    ids = [s.id for s in learnt.suggestions]
    assert "hpf" not in ids and any("left out hpf" in n and "16 of 16" in n for n in learnt.notes)
    air = learnt.by_id("more-air")
    default_gain = default_bass.by_id("more-air").move.params["gain_db"]
    assert air.move.params["gain_db"] == pytest.approx(default_gain / 2, abs=0.05)
    assert "adjusted to your taste: you usually keep about 50 % of suggested high-shelf boosts above 8 kHz on bass" in air.why
    # measured: the render lifts 15–19 kHz by half as many dB as the default's
    lift_default = lift_db(render_chain(x, RATE, [default_bass.by_id("more-air").move]), x, 15000, 19000)
    lift_learnt = lift_db(render_chain(x, RATE, [air.move]), x, 15000, 19000)
    assert lift_default > 2.0 and lift_learnt == pytest.approx(lift_default / 2, abs=0.25)
    # the controls: a vocal keeps its high-pass (rejections are per role), a low-mid boost on
    # bass keeps its amount (amounts are per region); a vocal's high boost, with no vocal
    # decisions yet, follows what was learnt over every role
    vocal_now = advise(a, vocal, taste=taste)
    assert "hpf" in [s.id for s in vocal_now.suggestions]
    assert "high-shelf boosts above 8 kHz (16 decisions)" in vocal_now.by_id("more-air").why
    warm = make_context(role_name="bass", intent="warmer")
    assert advise(a, warm, taste=taste).by_id("warmer-low-mids").move == advise(a, warm).by_id("warmer-low-mids").move
    # …and 'taste show' says what was learnt
    assert main(["taste", "show"]) == 0
    shown = capsys.readouterr().out
    assert "high-shelf boosts above 8 kHz on bass: about 50 % (16 decisions)" in shown
    assert "highpass on bass: rejected 16 of 16" in shown
    # reset: the defaults are back, the old log kept aside
    assert main(["taste", "reset"]) == 0
    assert "old log is kept as" in capsys.readouterr().out
    after = advise(a, bass, taste=TasteLog().summary())
    assert [(s.id, s.move) for s in after.suggestions] == [(s.id, s.move) for s in default_bass.suggestions]


def test_taste_export(capsys, tmp_path, pink):
    _, a = pink
    ctx = make_context(role_name="bass", intent="more air")
    s = advise(a, ctx).by_id("more-air")
    TasteLog().append(Decision.of(s, "accepted", context=ctx))
    out = tmp_path / "taste.json"
    assert main(["taste", "export", "-o", str(out)]) == 0
    d = json.loads(out.read_text())
    assert d["decisions"] == 1 and d["decisions_log"][0]["suggestion_id"] == "more-air"
    assert d["amounts"]["high_shelf|boost|above 8 kHz|bass"] == {"n": 1, "kept": 1.0}


def test_taste_commands_with_no_log(capsys):
    assert main(["taste", "show"]) == 0
    assert "0 decisions" in capsys.readouterr().out
    assert main(["taste", "reset"]) == 0
    assert "the defaults are in use" in capsys.readouterr().out
    assert main(["taste", "export"]) == 0
    assert json.loads(capsys.readouterr().out)["decisions"] == 0


def test_preferred_loudness_per_destination(tmp_path):
    """An engineer who finishes every Spotify master 1 dB above the suggested loudness: the
    next render for Spotify measures −13 LUFS; Apple Music (no decisions) stays at −16."""
    x = pink_noise(np.random.default_rng(12), 6.0, RATE, level_dbfs=-24.0)
    a = analyze(x, RATE)
    spotify = make_context(target="spotify")
    log = TasteLog()
    for _ in range(4):
        s = advise(a, spotify).by_id("loudness")
        log.append(Decision.of(s, "tweaked", final={**s.move.params, "gain_db": s.move.params["gain_db"] + 1.0},
                               context=spotify))  # fmt: skip
    taste = log.summary()
    assert taste["loudness"] == {"spotify": {"n": 4, "offset_db": 1.0}}
    advice = advise(a, spotify, taste=taste)
    assert any("spotify aimed at -13.0 LUFS, not -14" in n for n in advice.notes)
    src = tmp_path / "in.wav"
    write_wav16(src, x, RATE)
    for ctx, want in ((spotify, -13.0), (make_context(target="apple-music"), -16.0)):
        _, report = run_apply(src, tmp_path / "out.wav", ctx, accept="loudness", taste=taste)
        assert report.after.loudness.integrated_lufs == pytest.approx(want, abs=0.2)
