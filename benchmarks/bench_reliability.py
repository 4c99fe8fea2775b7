"""Reliability: outputs, presets and the OSC server under races, kills, floods and long files.

Each row says how many times it was tried and how many were lost (goal: 0 lost, 0 hangs,
0 tracebacks):

* concurrent outputs: two processes write different audio to the same output at the same
  moment (a barrier); lost = a result that is not one writer's whole file.
* SIGKILL during an output write: a process rewrites an output over and over and is killed
  at a random moment; lost = the output is not a whole, readable file (the old or the new).
* concurrent preset saves: two processes save the same new name at once; lost = both said
  "saved", or not exactly one file holds the name.
* SIGKILL during preset saves: a process saves (overwrites) presets in a loop and is killed;
  lost = a preset file that no longer loads.
* OSC fuzz and flood: random datagrams, ``,ccc…`` type tags, then a ping; lost = a ping
  unanswered (a hang) or an internal error (a traceback); the log lines written are shown.
* ``apply`` memory: peak RSS of ``secondear apply FILE -o OUT --accept none`` (and, up to
  60 minutes, ``--accept all`` with and without ``--target spotify``: a limiter's closed
  loop) on 4 minutes, 60 minutes and 2 hours of stereo 48 kHz audio generated on the fly in
  /tmp (deleted afterwards); the goal is the 2-hour peak within 2x of the 4-minute one.

Run alone: ``.venv/bin/python benchmarks/bench_reliability.py [--repeat 1]`` (1: the quick run).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import common as c
from bench_memory import peak_rss

RATE = 48000


# --- outputs -------------------------------------------------------------------------------------


def _writer(path: str, value: float, barrier, rounds: int) -> None:
    from bridge.audio_io import write_audio

    audio = np.full((2, RATE * 4), value, dtype=np.float32)
    for _ in range(rounds):
        barrier.wait(timeout=120)
        try:
            write_audio(path, audio, RATE)
        except Exception:  # noqa: BLE001 - counted by the reader as a lost round
            pass
        barrier.wait(timeout=120)


def concurrent_outputs(rounds: int) -> tuple[int, int]:
    from bridge.audio_io import read_audio

    d = Path(tempfile.mkdtemp(prefix="secondear-rel-"))
    out = str(d / "out.wav")
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_writer, args=(out, v, barrier, rounds)) for v in (0.25, -0.5)]
    for p in procs:
        p.start()
    lost = 0
    try:
        for _ in range(rounds):
            barrier.wait(timeout=120)
            barrier.wait(timeout=120)
            try:
                y, _ = read_audio(out)
                whole = y.shape[1] == RATE * 4 and (np.allclose(y, 0.25, atol=1e-5) or np.allclose(y, -0.5, atol=1e-5))
            except Exception:  # noqa: BLE001
                whole = False
            lost += not whole
    finally:
        for p in procs:
            p.join(60)
        shutil.rmtree(d, ignore_errors=True)
    return rounds, lost


_KILL_WRITER = r"""
import sys, numpy as np
from bridge.audio_io import write_audio
out, rate = sys.argv[1], 48000
i = 0
while True:
    i += 1
    write_audio(out, np.full((2, rate * 10), 0.1 * (1 + i % 5), dtype=np.float32), rate)
"""


def sigkill_outputs(rounds: int) -> tuple[int, int]:
    from bridge.audio_io import read_audio

    d = Path(tempfile.mkdtemp(prefix="secondear-rel-"))
    out = d / "out.wav"
    lost = 0
    rng = random.Random(7)
    try:
        for _ in range(rounds):
            p = subprocess.Popen([sys.executable, "-c", _KILL_WRITER, str(out)], cwd=c.REPO)
            time.sleep(1.0 + rng.random() * 1.5)
            p.kill()
            p.wait()
            if not out.exists():
                continue  # killed before the first write finished: nothing there, nothing lost
            try:
                y, _ = read_audio(out)
                lost += not (y.shape[1] == RATE * 10 and np.ptp(y) < 1e-5 and abs(float(y[0, 0])) > 0.05)
            except Exception:  # noqa: BLE001
                lost += 1
        leftovers = len(list(d.glob(".out.wav.*.tmp")))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return rounds, lost, leftovers


# --- presets -------------------------------------------------------------------------------------


def _saver(folder: str, gain_db: float, barrier, rounds: int, results) -> None:
    from analyzers.moves import Move
    from bridge.chain import BuiltinSlot, Chain
    from presets import Preset, PresetExistsError, PresetStore

    store = PresetStore(folder, factory=False)
    for i in range(rounds):
        barrier.wait(timeout=120)
        try:
            store.save(Preset(name=f"R{i}", chain=Chain((BuiltinSlot(Move("gain", {"gain_db": gain_db})),))))
            results.put((i, "saved"))
        except PresetExistsError:
            results.put((i, "exists"))


def concurrent_presets(rounds: int) -> tuple[int, int]:
    from presets import PresetStore

    d = tempfile.mkdtemp(prefix="secondear-rel-")
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_saver, args=(d, g, barrier, rounds, results)) for g in (-3.0, -6.0)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    said: dict[int, list[str]] = {}
    while not results.empty():
        i, what = results.get()
        said.setdefault(i, []).append(what)
    store = PresetStore(d, factory=False)
    names = [e.name for e in store.list()]
    lost = sum(sorted(said.get(i, [])) != ["exists", "saved"] or names.count(f"R{i}") != 1 for i in range(rounds))
    shutil.rmtree(d, ignore_errors=True)
    return rounds, lost


_KILL_SAVER = r"""
import sys
from analyzers.moves import Move
from bridge.chain import BuiltinSlot, Chain
from presets import Preset, PresetStore
store = PresetStore(sys.argv[1], factory=False)
i = 0
while True:
    i += 1
    store.save(Preset(name=f"P{i % 4}", chain=Chain((BuiltinSlot(Move("gain", {"gain_db": -(i % 12)})),)),
                      notes="x" * 2000), overwrite=True)
"""


def sigkill_presets(rounds: int) -> tuple[int, int]:
    from presets import PresetStore

    d = tempfile.mkdtemp(prefix="secondear-rel-")
    rng = random.Random(11)
    lost = 0
    try:
        for _ in range(rounds):
            p = subprocess.Popen([sys.executable, "-c", _KILL_SAVER, d], cwd=c.REPO)
            time.sleep(0.8 + rng.random())
            p.kill()
            p.wait()
            lost += sum(1 for e in PresetStore(d, factory=False).list() if e.error)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return rounds, lost


# --- OSC -----------------------------------------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.n = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.n += 1


def _pinged(sock: socket.socket, address, ping: bytes) -> bool:
    """A pong within 3 tries of 5 s (the kernel may drop a datagram of a burst: that is not a hang)."""
    for _ in range(3):
        sock.sendto(ping, address)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            try:
                reply, _ = sock.recvfrom(65536)
            except socket.timeout:
                break
            if b"pong" in reply:
                return True
    return False


def osc_fuzz(datagrams: int) -> list[list[str]]:
    from pythonosc.osc_message_builder import OscMessageBuilder

    from bridge.osc.dispatch import BridgeSession
    from bridge.osc.server import BridgeServer

    ping = OscMessageBuilder(address="/secondear/ping").build().dgram
    rng = np.random.default_rng(5)
    lines = _Lines()
    logging.getLogger().addHandler(lines)
    rows = []
    try:
        for kind in ("random bytes", "OSC-looking junk", ",ccc... type tags"):
            with BridgeServer(BridgeSession(), port=0) as srv:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind(("127.0.0.1", 0))
                sock.settimeout(5.0)
                before = lines.n
                hangs = 0
                sent = 0
                for i in range(datagrams):
                    if kind == "random bytes":
                        data = rng.integers(0, 256, int(rng.integers(1, 2000)), dtype=np.uint8).tobytes()
                    elif kind == "OSC-looking junk":
                        data = b"/secondear/" + rng.integers(32, 127, int(rng.integers(1, 60)), dtype=np.uint8).tobytes()
                        data += b"\x00" * (-len(data) % 4) + b"," + bytes(rng.choice(list(b"ifsbcIS[]"), 8)) + b"\x00" * 3
                    else:
                        data = b"/secondear/ping\x00," + b"c" * 7990 + b"\x00\x00"
                    sock.sendto(data, srv.address)
                    sent += 1
                    if i % 1000 == 999 or i == datagrams - 1:
                        hangs += not _pinged(sock, srv.address, ping)
                stats = srv.stats()
                sock.close()
            rows.append([kind, f"{sent}", f"{hangs}", f"{stats['internal_errors'] + stats['handler_errors']}",
                         f"{lines.n - before}"])  # fmt: skip
    finally:
        logging.getLogger().removeHandler(lines)
    return rows


# --- apply memory --------------------------------------------------------------------------------


def _long_file(path: Path, minutes: float) -> None:
    """Stereo 48 kHz 24-bit: pink-ish noise with a kick every half second and some rumble,
    written block by block (memory does not grow with the length)."""
    import soundfile

    rng = np.random.default_rng(3)
    block = RATE * 10
    t = np.arange(block) / RATE
    kick = (np.sin(2 * np.pi * 55 * t) * np.exp(-((t % 0.5) * 30))).astype(np.float32)
    rumble = 0.05 * np.sin(2 * np.pi * 25 * t).astype(np.float32)
    with soundfile.SoundFile(path, "w", RATE, 2, subtype="PCM_24") as f:
        for _ in range(int(minutes * 6)):
            noise = np.cumsum(rng.standard_normal((block, 2)), axis=0).astype(np.float32)
            noise -= noise.mean(axis=0)
            noise *= 0.05 / (np.abs(noise).max() + 1e-9)
            noise += 0.1 * rng.standard_normal((block, 2)).astype(np.float32)
            f.write((noise + 0.5 * kick[:, None] + rumble[:, None]) * 0.5)


#: ``--accept`` and flags: nothing (read, measure, write, measure); every suggestion (a
#: high-pass, whose own effect is checked); and with a Spotify target, where the loudness move
#: is a true-peak limiter brought to -14 LUFS by its closed loop.
ACCEPT_MODES = ("none", "all", "all --target spotify")


def apply_memory(quick: bool, lengths: tuple[float, ...] | None = None,
                 modes: tuple[str, ...] = ACCEPT_MODES) -> tuple[list[list[str]], list[str]]:  # fmt: skip
    secondear = c.venv_bin("secondear")
    lengths = lengths or ((4.0,) if quick else (4.0, 60.0, 120.0))
    rows, notes = [], []
    d = Path(tempfile.mkdtemp(prefix="secondear-rel-", dir="/tmp"))
    peaks: dict[tuple[str, float], float] = {}
    try:
        for minutes in lengths:
            src = d / f"long_{minutes:g}min.wav"
            _long_file(src, minutes)
            for accept in modes if minutes < 120 else modes[:1]:
                out = d / "out.wav"
                try:
                    kib, secs = peak_rss([secondear, "apply", str(src), "-o", str(out), "--accept", *accept.split()])
                except c.ProcessFailed as exc:
                    notes.append(f"{minutes:g} min, --accept {accept}: {exc}")
                    continue
                peaks[(accept, minutes)] = kib
                base = peaks.get((accept, 4.0))
                rows.append([f"{minutes:g} min", accept, c.mib(kib), c.ratio(kib, base) if base else "–", c.secs(secs)])
                out.unlink(missing_ok=True)
            src.unlink()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return rows, notes


# --- the report ----------------------------------------------------------------------------------


def run(*, quick: bool = False, **_) -> str:
    rounds = 8 if quick else 32
    kills = 10 if quick else 50
    parts = ["## Reliability", ""]
    c.log("reliability: concurrent outputs")
    tried_o, lost_o = concurrent_outputs(rounds)
    c.log("reliability: SIGKILL during output writes")
    tried_k, lost_k, tmp_left = sigkill_outputs(kills)
    c.log("reliability: concurrent preset saves")
    tried_p, lost_p = concurrent_presets(rounds)
    c.log("reliability: SIGKILL during preset saves")
    tried_pk, lost_pk = sigkill_presets(kills)
    parts.append(c.md_table(["case", "tried", "lost"], [
        ["two writers, one output (4 s WAV each)", tried_o, lost_o],
        ["SIGKILL while rewriting an output (10 s WAV)", tried_k, lost_k],
        ["two saves of one new preset name", tried_p, lost_p],
        ["SIGKILL while saving presets", tried_pk, lost_pk],
    ]))  # fmt: skip
    parts += ["", f"Temporary files left by the killed writers: {tmp_left} (removed by the next write once "
                  "older than an hour).", ""]  # fmt: skip
    c.log("reliability: OSC fuzz and flood")
    fuzz = osc_fuzz(2000 if quick else 20000)
    parts.append(c.md_table(["OSC datagrams", "sent", "hangs (ping unanswered)", "tracebacks", "log lines"], fuzz))
    parts.append("")
    c.log("reliability: apply memory")
    rows, notes = apply_memory(quick)
    parts.append(c.md_table(["length", "--accept", "peak RSS (MiB)", "vs 4 min", "wall"], rows))
    parts += [""] + [f"- {n}" for n in notes]
    parts.append("Goal: 0 lost, 0 hangs, 0 tracebacks; `apply` on 2 hours within 2x of its peak on 4 minutes.")
    return "\n".join(parts)


if __name__ == "__main__":
    c.main_with_repeat(run, __doc__)
