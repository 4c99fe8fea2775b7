"""A ride written into the DAW as fader automation, by a write pass in real time, and read back.

OSC surfaces cannot add automation points; they move a fader while the transport rolls with
the track's gain automation in Write mode, as an engineer's hand (or a vocal-riding plugin)
does. :func:`write_ride` does exactly that through the profile's ``automation`` block:

1. reads the fader (the ride's gains are offsets from it), sets it to the curve's first value;
2. locates to where the ride starts (``start_s``: the session position of the analysed
   file's first sample), sets the gain automation mode to Write, rolls;
3. every ``tick_s`` asks the DAW where the transport is and sends the fader the curve's value
   there, so the written curve follows the transport, not our clock;
4. stops, sets the mode to Play (Ardour leaves Touch after a Write pass);
5. verifies: rolls the same span again in Play with the DAW's gain feedback on, maps each
   reported value to the transport position (two position readings frame the pass), and
   compares it with the curve. The write is ``confirmed`` when enough values came back and
   each lies within :data:`CONFIRM_TOLERANCE_DB` of the curve around its position
   (±:data:`TIMING_SLACK_S`, the feedback's own timing); otherwise ``unconfirmed``, with why.

Both passes take the ride's length in real time and are audible in the DAW. A profile
without an ``automation`` block cannot do this; the ride is then rendered, not pushed
(:func:`bridge.daw.push.push_moves` says so).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from analyzers.moves import Move

from ..errors import DawLinkError
from .client import DawClient

#: A value read back within this of the curve around its position confirms the write.
CONFIRM_TOLERANCE_DB = 1.0
#: The feedback's timing slack: a read-back value is compared with the curve over ±this.
TIMING_SLACK_S = 0.15
#: How often the fader is moved during the write pass.
TICK_S = 0.02


def can_write_automation(client: DawClient) -> bool:
    """True when the client's profile says how to write fader automation."""
    return isinstance(client.profile.get("automation"), Mapping)


def _curve(move: Move) -> tuple[np.ndarray, np.ndarray]:
    pts = sorted((float(t), float(g)) for t, g in move.curve)
    return np.array([t for t, _ in pts]), np.array([g for _, g in pts])


def _transport_s(client: DawClient, rate_hz: float) -> float:
    return float(client.request("transport_sample")) / rate_hz


def stop_transport(client: DawClient, rate_hz: float, *, timeout_s: float = 3.0) -> float:
    """Stop the transport and wait until it has stopped (Ardour drops a locate that arrives
    while it is still stopping); returns where it stopped, in seconds."""
    client.send_verb("transport_stop")
    last = None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = _transport_s(client, rate_hz)
        if now == last:
            return now
        last = now
        time.sleep(0.05)
    raise DawLinkError(f"{client.daw}'s transport did not stop within {timeout_s:g} s")


def locate(client: DawClient, position_s: float, rate_hz: float, *, timeout_s: float = 3.0) -> None:
    """Move the stopped transport to ``position_s`` and wait until the DAW says it is there."""
    sample = int(round(position_s * rate_hz))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        client.send_verb("locate", sample=sample)
        time.sleep(0.05)
        if abs(_transport_s(client, rate_hz) * rate_hz - sample) < 2:
            return
        time.sleep(0.1)
    raise DawLinkError(f"{client.daw} did not locate to {position_s:.2f} s within {timeout_s:g} s")


def write_ride(client: DawClient, track: int, move: Move, *, start_s: float = 0.0,
               progress: Callable[[str], object] | None = None,
               clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:  # fmt: skip
    """Write ``move`` (kind ``ride``: its ``curve`` of (time_s, gain_db) from the file's start) as
    gain automation on ``track`` (the client's 1-based number), from session position
    ``start_s``; then play it back and compare. Returns a push report entry
    (``target`` "fader automation", ``set``: the points written, ``confirmed`` and
    ``confirmation``).

    Raises
    ------
    DawLinkError
        The DAW did not answer (position, fader) or the transport did not roll.
    """
    times, gains = _curve(move)
    spec = client.profile["automation"]
    rate_hz = float(client.request("session_rate"))
    modes = spec["modes"]
    t_end = float(times[-1])
    say = progress or (lambda _msg: None)

    def mode(name: str) -> None:
        client.send_verb("gain_automation", track=track, mode=int(modes[name]))

    base_db = client.get_gain_db(track)
    client.set_gain_db(track, base_db + float(gains[0]))
    locate(client, start_s, rate_hz)
    mode("write")
    say(f"writing the ride: the DAW plays {t_end:.1f} s from {start_s:.1f} s with the fader in Write")
    client.send_verb("transport_play")
    sent = 0
    try:
        deadline = clock() + t_end + 5.0
        while True:
            pos_s = _transport_s(client, rate_hz) - start_s
            if pos_s > t_end + 0.1:
                break
            if clock() > deadline:
                raise DawLinkError(f"{client.daw}'s transport did not roll through the ride "
                                   f"(at {pos_s + start_s:.2f} s after {t_end + 5:.0f} s)")  # fmt: skip
            client.set_gain_db(track, base_db + float(np.interp(pos_s + TICK_S, times, gains)))
            sent += 1
            time.sleep(TICK_S)
    finally:
        stop_transport(client, rate_hz)
        mode("play")
    confirmed, note = _read_back(client, track, times, gains + base_db, start_s, rate_hz, spec, say)
    locate(client, start_s, rate_hz)
    return {"target": "fader automation", "moves": [move.describe()],
            "set": [{"name": f"gain_db@{t:.2f}s", "value": round(float(g + base_db), 2) + 0.0}
                    for t, g in zip(times, gains)],
            "unmatched": [], "confirmed": confirmed, "confirmation": note, "fader_moves_sent": sent}  # fmt: skip


def _read_back(client: DawClient, track: int, times: np.ndarray, gains_db: np.ndarray, start_s: float,
               rate_hz: float, spec: Mapping[str, Any], say: Callable[[str], object]) -> tuple[bool, str]:  # fmt: skip
    """Play the span back in Play mode with gain feedback on; compare what the DAW reports."""
    fb = spec["feedback"]
    t_end = float(times[-1])
    client.send_message(fb["address"], fb["on"])
    locate(client, start_s, rate_hz)
    say(f"reading the ride back: the DAW plays {t_end:.1f} s again in Play")
    heard: list[tuple[float, float]] = []
    try:
        client.send_verb("transport_play")
        w0, p0 = time.monotonic(), _transport_s(client, rate_hz)
        track_arg = client.track_to_daw(track)
        for address, args in client.listen(max(0.5, t_end - (p0 - start_s) + 0.2)):
            if address == fb["gain_address"] and len(args) >= 2 and int(args[0]) == track_arg:
                heard.append((time.monotonic(), float(args[1])))
        w1, p1 = time.monotonic(), _transport_s(client, rate_hz)
    finally:
        stop_transport(client, rate_hz)
        client.send_message(fb["address"], fb["off"])
    if p1 <= p0 or w1 <= w0:
        return False, "the transport did not roll for the read-back"
    speed = (p1 - p0) / (w1 - w0)
    changes = int(np.count_nonzero(np.abs(np.diff(gains_db)) > 0.05))
    if changes and len(heard) < min(3, changes):
        return False, f"the DAW reported {len(heard)} gain value(s) while the ride played back; {changes} change(s) were written"
    worst = 0.0
    for w, v in heard:
        pos = p0 + (w - w0) * speed - start_s
        if not 0.0 <= pos <= t_end:
            continue
        span = np.linspace(pos - TIMING_SLACK_S, pos + TIMING_SLACK_S, 13)
        around = np.interp(span, times, gains_db)
        worst = max(worst, float(max(0.0, around.min() - v, v - around.max())))
    if worst > CONFIRM_TOLERANCE_DB:
        return False, f"played back, the fader is {worst:.1f} dB off the ride"
    return True, f"played back: {len(heard)} value(s) within {worst:.2f} dB of the ride"


def ride_moves(moves: Sequence[Move]) -> list[Move]:
    """The ride moves among ``moves``."""
    return [m for m in moves if m.kind == "ride"]
