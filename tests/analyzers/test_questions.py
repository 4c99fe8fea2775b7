"""Questions: asked only where the missing context would change the answer most (a role the
audio contradicts, no destination far from every platform, no genre on a mix with bands
standing out), one at a time, and never on a fully specified request."""

from __future__ import annotations

import numpy as np
import pedalboard as pb
import pytest

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import suggest
from signals import pink_noise, write_wav16
from ui.cli import main

RATE = 48000


def _pink(level_dbfs: float = -20.0) -> np.ndarray:
    return pink_noise(np.random.default_rng(31), 6.0, RATE, level_dbfs=level_dbfs)


def _through(plugin, x: np.ndarray) -> np.ndarray:
    return pb.Pedalboard([plugin])(x, RATE).astype(np.float32)


def _voice_like() -> np.ndarray:
    """A 180 Hz buzz with harmonics to 4 kHz, the voice band's shape."""
    t = np.arange(6 * RATE) / RATE
    y = sum(np.sin(2 * np.pi * 180 * k * t) / k for k in range(1, 22))
    y = 0.1 * y / np.max(np.abs(y)) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
    return np.tile(y.astype(np.float32), (2, 1))


SIGNALS = {
    "low rumble": lambda: _through(pb.LowpassFilter(cutoff_frequency_hz=120.0), _through(pb.LowpassFilter(cutoff_frequency_hz=120.0), _pink())),
    "hiss": lambda: _through(pb.HighpassFilter(cutoff_frequency_hz=3000.0), _through(pb.HighpassFilter(cutoff_frequency_hz=3000.0), _pink())),
    "quiet pink": lambda: _pink(-42.0),
    "pink with a bell": lambda: _through(pb.PeakFilter(cutoff_frequency_hz=300.0, gain_db=7.0, q=1.0), _pink(-16.0)),
    "voice-like": _voice_like,
    "pink": lambda: _pink(-16.0),
}  # fmt: skip


def _asked(name: str, **ctx):
    advice = suggest(analyze(SIGNALS[name](), RATE), make_context(**ctx))
    assert len(advice.questions) <= 1
    return advice.questions[0] if advice.questions else None


@pytest.mark.parametrize(("name", "ctx", "aspect", "flag"), [
    ("low rumble", {"role_name": "vocal"}, "role", "--role"),
    ("hiss", {"role_name": "bass"}, "role", "--role"),
    ("quiet pink", {}, "destination", "--target"),
    ("pink with a bell", {}, "genre", "--genre"),
])  # fmt: skip
def test_missing_context_is_asked(name, ctx, aspect, flag):
    q = _asked(name, **ctx)
    assert q is not None and (q.aspect, q.flag) == (aspect, flag)
    assert q.choices and any(ch.isdigit() for ch in q.why)


@pytest.mark.parametrize(("name", "ctx"), [
    ("voice-like", {"role_name": "vocal"}),  # a vocal that has its voice band: the control for the role question
    ("low rumble", {"role_name": "bass"}),  # a bass with its lows
    ("pink", {}),  # −16 LUFS is near every platform and no band stands out: nothing worth asking…
    ("quiet pink", {"target": "spotify"}),  # …and a destination given answers it
    ("pink with a bell", {"genre_name": "pop"}),  # a genre given: nothing to ask
])  # fmt: skip
def test_nothing_asked_when_the_context_answers(name, ctx):
    assert _asked(name, **ctx) is None


@pytest.mark.parametrize("name", list(SIGNALS))
def test_never_asked_on_a_fully_specified_request(name):
    role = "vocal" if name == "voice-like" else "bass" if name == "low rumble" else "mix"
    assert _asked(name, role_name=role, genre_name="pop" if role == "mix" else None, target="spotify") is None


def test_the_cli_asks_in_a_note_answered_by_one_flag(capsys, tmp_path):
    path = tmp_path / "quiet.wav"
    write_wav16(path, SIGNALS["quiet pink"](), RATE)
    assert main(["suggest", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Question: Where is it going?" in out and "answer with --target spotify|" in out
    assert main(["suggest", str(path), "--target", "spotify"]) == 0
    assert "Question:" not in capsys.readouterr().out
