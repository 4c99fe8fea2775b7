"""The bridge's OSC address space answered (bridge/osc/dispatch.py): real files measured and
advised as ``secondear suggest`` does, one session per DAW track, decisions, and paths that
are never opened as anything but audio."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from bridge.advise import ContextRequest, advise_file
from bridge.osc.codec import Accept, Analyze, Intent, Select
from bridge.osc.dispatch import BridgeSession
from bridge.osc.server import BridgeServer
from signals import pink_noise, sine, write_wav16
from tests.bridge.osc.oscpeer import Client, msg

RATE = 48000


@pytest.fixture(scope="module")
def rumbly_vocal(tmp_path_factory) -> str:
    """Three seconds of pink noise with a 40 Hz rumble: as a vocal, it earns a high-pass."""
    x = pink_noise(np.random.default_rng(1), 3.0, RATE, level_dbfs=-20.0) + sine(40.0, -12.0, 3.0, RATE)
    path = tmp_path_factory.mktemp("osc") / "vox.wav"
    write_wav16(path, x, RATE)
    return str(path)


def test_analyze_accept_reject_and_intent(server, client, rumbly_vocal):
    (summary,) = client.ask(msg("/secondear/analyze", "Vox", rumbly_vocal, "vocal"))
    assert summary.address == "/secondear/summary"
    track, lufs, peak, n = summary.params
    assert track == "Vox" and -30 < lufs < 0 and -20 < peak < 0 and n >= 1
    suggestions = [client.recv() for _ in range(n)]
    assert all(s.address == "/secondear/suggestion" and s.params[0] == "Vox" for s in suggestions)
    ids = [s.params[1] for s in suggestions]
    assert "hpf" in ids and suggestions[ids.index("hpf")].params[2] == "highpass"
    assert "Hz" in suggestions[ids.index("hpf")].params[3]
    assert server.handler.selected == "Vox"

    (ok,) = client.ask(msg("/secondear/accept", "hpf"))
    assert (ok.address, ok.params) == ("/secondear/ok", ["hpf"])
    (bad,) = client.ask(msg("/secondear/reject", "nope"))
    assert bad.address == "/secondear/error" and bad.params[0] == "/secondear/reject" and "hpf" in bad.params[1]
    (ok,) = client.ask(msg("/secondear/reject", "hpf"))
    assert ok.params == ["hpf"]
    d = server.handler.decisions()
    assert [(t, x.suggestion_id, x.verdict) for t, x in d] == [("Vox", "hpf", "accepted"), ("Vox", "hpf", "rejected")]
    assert abs(d[0][1].time.timestamp() - time.time()) < 60 and d[0][1].role == "vocal" and d[0][1].kind == "highpass"

    (summary,) = client.ask(msg("/secondear/intent", "warmer"))
    n2 = summary.params[3]
    more = [client.recv() for _ in range(n2)]
    assert any(m.params[1].startswith("warmer") for m in more)
    (err,) = client.ask(msg("/secondear/intent", "zzzqqq"))
    assert err.address == "/secondear/error" and "zzzqqq" in err.params[1]


def test_select_then_intent_on_a_track_not_analyzed(client):
    (ok,) = client.ask(msg("/secondear/select", 4))
    assert (ok.address, ok.params) == ("/secondear/ok", ["4"])
    (err,) = client.ask(msg("/secondear/intent", "warmer"))
    assert err.address == "/secondear/error" and "not analyzed" in err.params[1]
    (err,) = client.ask(msg("/secondear/accept", "hpf"))
    assert err.address == "/secondear/error"


def test_paths_are_only_read_as_regular_audio_files(tmp_path, rumbly_vocal):
    session = BridgeSession(max_audio_bytes=1000)
    with BridgeServer(session, port=0) as srv:
        c = Client(srv)
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        text = tmp_path / "notes.txt"
        text.write_text("not audio\n" * 10)
        cases = {
            str(tmp_path / "missing.wav"): "No such file",
            str(tmp_path): "not a regular file",
            str(fifo): "not a regular file",  # opening a FIFO would block: never opened
            "relative/vox.wav": "absolute",
            rumbly_vocal: "limit",
            str(text): "not a readable audio file",
        }
        for path, words in cases.items():
            (err,) = c.ask(msg("/secondear/analyze", "T", path))
            assert err.address == "/secondear/error", path
            assert err.params[0] == "/secondear/analyze" and words in err.params[1], (path, err.params)
        (err,) = c.ask(msg("/secondear/analyze", "T", rumbly_vocal, "kazoo-solo"))
        assert "unknown role" in err.params[1]
        c.close()
        assert srv.stats()["handled"] == 7


def test_analyze_advises_as_suggest_does_and_keeps_a_session_per_track(rumbly_vocal, tmp_path):
    """No sockets: the handler called with events. The advice is ``bridge.advise``'s on the
    same file in the same context, and each track's session is in the registry by its name."""
    tone = tmp_path / "tone.wav"  # no low end: the control that must not get the high-pass
    write_wav16(tone, sine(1000.0, -20.0, 3.0, RATE), RATE)
    handler = BridgeSession(version="t")
    replies = handler(Analyze(track="Vox", path=rumbly_vocal, role="vocal"))
    expected = advise_file(rumbly_vocal, ContextRequest(role="vocal").check())
    assert [r.args[1] for r in replies[1:]] == [s.id for s in expected.advice.suggestions]
    assert replies[0].args[1] == pytest.approx(expected.analysis.loudness.integrated_lufs, abs=1e-9)
    handler(Analyze(track="Gtr", path=str(tone), role="mix"))
    assert handler.sessions.keys() == ["Vox", "Gtr"] and handler.selected == "Gtr"
    assert "hpf" in handler.sessions.get("Vox").cards and "hpf" not in handler.sessions.get("Gtr").cards  # the control
    handler(Select(track="Vox"))
    (ok,) = handler(Accept(suggestion_id="hpf"))
    assert ok.args == ("hpf",) and handler.sessions.get("Vox").cards["hpf"].status == "accepted"
    assert handler.sessions.get("Gtr").decisions == []
    (err,) = handler(Intent(text="zzzqqq"))
    assert err.address == "/secondear/error" and handler.sessions.get("Vox").cards["hpf"].status == "accepted"


def test_a_failing_taste_log_does_not_lose_the_decision(rumbly_vocal):
    def broken(_decision):
        raise OSError("disk full")

    handler = BridgeSession(on_decision=broken)
    handler(Analyze(track="Vox", path=rumbly_vocal, role="vocal"))
    (ok,) = handler(Accept(suggestion_id="hpf"))
    assert ok.address == "/secondear/ok"
    assert [(t, d.verdict) for t, d in handler.decisions()] == [("Vox", "accepted")]
