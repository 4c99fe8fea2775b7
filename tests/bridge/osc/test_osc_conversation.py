"""``/secondear/intent`` as a conversation: before a decision the words are the track's
intent; once a move is accepted they are the next turn, its new cards sent as suggestions
and what it said as ``/secondear/note``; the render measured with an FFT of our own."""

from __future__ import annotations

import numpy as np
import pytest

from signals import pink_noise, write_wav16
from tests.bridge.osc.oscpeer import msg

RATE = 48000


@pytest.fixture(scope="module")
def pad(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("osc-conv") / "pad.wav"
    write_wav16(path, pink_noise(np.random.default_rng(3), 4.0, RATE, level_dbfs=-20.0), RATE)
    return str(path)


def _all(client, first):
    return [first] + [client.recv() for _ in range(first.params[3])]


def _notes(client):
    out = []
    while True:
        m = client.recv(1.0)
        if m is None:  # nothing more came
            return out
        assert m.address == "/secondear/note"
        out.append(m.params[1])


def _air_db(y, x):
    f = np.fft.rfftfreq(x.shape[1], 1 / RATE)
    sel = (f >= 15000) & (f <= 19000)
    p = [np.sum(np.abs(np.fft.rfft(a.astype(np.float64), axis=1)[:, sel]) ** 2) for a in (y, x)]
    return float(10 * np.log10(p[0] / p[1]))


def test_intent_words_then_turns(server, client, pad):
    (summary,) = client.ask(msg("/secondear/analyze", "Pad", pad, "keys"))
    _all(client, summary)
    (summary,) = client.ask(msg("/secondear/intent", "more air"))  # nothing decided: the intent words
    ids = [m.params[1] for m in _all(client, summary)[1:]]
    assert "more-air" in ids and _notes(client) == []
    client.ask(msg("/secondear/accept", "more-air"))
    (summary,) = client.ask(msg("/secondear/intent", "a bit more"))  # now a turn
    ids = [m.params[1] for m in _all(client, summary)[1:]]
    assert "more-air-2" in ids
    notes = _notes(client)
    assert notes[0] == "'a bit more' (scale): more-air-2"
    client.ask(msg("/secondear/accept", "more-air-2"))
    session = server.handler.sessions.get("Pad")
    x = session.samples()
    assert _air_db(session.render()[0], x) == pytest.approx(1.5 * 3.0, abs=0.4)  # the 3 dB air shelf × 1.5
    (summary,) = client.ask(msg("/secondear/intent", "undo that"))
    _all(client, summary)
    assert _notes(client) == ["'undo that' (undo): no new card", "undone: 'a bit more'"]
    assert _air_db(session.render()[0], x) == pytest.approx(3.0, abs=0.4)
