"""A ride pushed into a REAL headless Ardour 7 session as fader automation (issue 10: "a
ride as automation where the DAW supports it"): a write pass in real time, then played back.

The session is tests/daw/vox_session.lua's (track "Vox", the Dummy backend rolling in real
time). Besides the product's own read-back (``confirmed``), the test plays the written span
once more itself, collects Ardour's gain feedback against the transport position, and checks
the levels the curve holds; the control is a span that was never written, which the
read-back must call unconfirmed.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from analyzers.moves import Move
from bridge.daw import DawClient, push_moves
from bridge.daw.automation import _read_back

CURVE = [(0.0, 0.0), (0.6, 0.0), (1.0, -6.0), (2.0, -6.0), (2.4, 3.0), (3.2, 3.0), (3.6, 0.0)]


def _play_and_listen(daw: DawClient, start_s: float, length_s: float, rate_hz: float) -> list[tuple[float, float]]:
    """(transport position s, fader dB) of each gain value Ardour reports while the span plays."""
    daw.send_message("/set_surface", [0, 31, 2, 0, 0, 0])
    for _ in range(30):  # Ardour drops a locate while it is still stopping: until it is there
        daw.send_verb("locate", sample=int(start_s * rate_hz))
        time.sleep(0.1)
        if daw.request("transport_sample") == int(start_s * rate_hz):
            break
    daw.send_verb("transport_play")
    w0, p0 = time.monotonic(), daw.request("transport_sample") / rate_hz
    heard = [(time.monotonic(), float(a[1])) for addr, a in daw.listen(length_s + 0.2)
             if addr == "/strip/gain" and len(a) >= 2]  # fmt: skip
    w1, p1 = time.monotonic(), daw.request("transport_sample") / rate_hz
    daw.send_verb("transport_stop")
    time.sleep(0.5)
    daw.send_message("/set_surface", [0, 31, 0, 0, 0, 0])
    speed = (p1 - p0) / (w1 - w0)
    return [(p0 + (w - w0) * speed - start_s, v) for w, v in heard]


def test_a_ride_is_written_as_automation_and_plays_back(ardour):
    with DawClient("ardour", "127.0.0.1", ardour.port, timeout_s=3.0) as daw:
        daw.set_gain_db("Vox", -2.0)  # the ride's gains are offsets from where the fader is
        said: list[str] = []
        report = push_moves(daw, "Vox", [Move("ride", {}, curve=CURVE)], ride_start_s=1.0, progress=said.append)
        assert len(report) == 1 and report[0]["target"] == "fader automation"
        assert report[0]["confirmed"], report[0]["confirmation"]
        assert any("Write" in s for s in said) and any("Play" in s for s in said)
        # heard independently: the fader follows the curve, offset by the fader's -2 dB
        rate = daw.request("session_rate")
        heard = _play_and_listen(daw, 1.0, 3.6, rate)
        assert len(heard) >= 5

        def held(at_s: float) -> float:  # Ardour reports a value when it changes: the last one before
            before = [g for p, g in heard if p <= at_s]
            assert before, (at_s, heard)
            return before[-1]

        assert held(1.5) == pytest.approx(-8.0, abs=0.5)  # the −6 dB hold
        assert held(2.9) == pytest.approx(1.0, abs=0.5)  # the +3 dB hold
        assert held(3.59) == pytest.approx(-2.0, abs=0.5)  # back to where the fader was
        assert min(g for _, g in heard) >= -8.5 and max(g for _, g in heard) <= 1.5


def test_a_span_never_written_is_not_confirmed(ardour):
    """The control: the read-back of a span where no ride was written (the fader holds
    still) cannot confirm a curve that moves."""
    with DawClient("ardour", "127.0.0.1", ardour.port, timeout_s=3.0) as daw:
        rate = daw.request("session_rate")
        times = np.array([t for t, _ in CURVE])
        gains = np.array([g for _, g in CURVE]) - 2.0
        ok, note = _read_back(daw, 1, times, gains, 20.0, rate, daw.profile["automation"], lambda _m: None)
        assert not ok
        assert "reported" in note or "off the ride" in note


def test_a_profile_that_cannot_write_automation_renders_the_ride(capsys):
    """The generic profile has no automation block: the CLI says the ride is rendered, not
    pushed, and does not roll anything (nothing listens on that port)."""
    from ui.cli import main

    code = main(["daw", "push", "--profile", "generic", "--port", "9", "--track", "1",
                 "--move", "ride curve=0:0,2:-6"])  # fmt: skip
    out, _ = capsys.readouterr()
    assert "rendered, not pushed" in out and "cannot write fader automation" in out
    assert code == 0
