"""Outputs are whole or untouched (issue 11, items 2, 3 and 10's orphans and hard links).

Two processes writing the same output at once leave one's complete file (the temporary
file is unique per write); a write that fails (the file size limit reached mid-write, a
full disk) leaves an existing output byte for byte; orphaned temporary files of a killed
write are removed once old; a hard link of the input given as the output is refused.
"""

from __future__ import annotations

import errno
import io
import multiprocessing as mp
import os
import time

import numpy as np
import pytest
import soundfile

from bridge import files
from bridge.apply import write_audio
from bridge.audio_io import read_audio
from bridge.files import OutputError, atomic_write_text, check_output, orphans, same_file

RATE = 48000
ROUNDS = 12


def _writer(path: str, value: float, barrier, rounds: int, errors) -> None:
    audio = np.full((2, RATE * 4), value, dtype=np.float32)
    for _ in range(rounds):
        barrier.wait(timeout=60)
        try:
            write_audio(path, audio, RATE)
        except Exception as exc:  # noqa: BLE001 - a failed write is counted, not a crash
            errors.put(repr(exc))
        barrier.wait(timeout=60)


def test_two_writers_to_one_output_leave_one_whole_result(tmp_path):
    """Two processes write 4 s of two different constants to the same WAV, started together
    by a barrier, 12 rounds: every round's file holds one writer's 192 000 frames, never a
    splice of both (the old fixed temporary name spliced or failed within a few rounds)."""
    out = str(tmp_path / "out.wav")
    ctx = mp.get_context("fork")
    barrier, errors = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(out, v, barrier, ROUNDS, errors)) for v in (0.25, -0.5)]
    for p in procs:
        p.start()
    spliced, lengths = 0, set()
    try:
        for _ in range(ROUNDS):
            barrier.wait(timeout=60)
            barrier.wait(timeout=60)
            y, _ = read_audio(out)
            lengths.add(y.shape[1])
            values = set(np.unique(np.round(y, 4)).tolist())
            spliced += values not in ({0.25}, {-0.5})
    finally:
        for p in procs:
            p.join(timeout=60)
    failed = []
    while not errors.empty():
        failed.append(errors.get())
    assert (spliced, failed, lengths) == (0, [], {RATE * 4})
    assert not list(tmp_path.glob(".out.wav.*"))


def test_failed_write_leaves_existing_output_untouched(tmp_path, monkeypatch):
    """A full disk at fsync: the old output stays byte for byte, the message says the disk is
    full, and no temporary file is left."""
    out = tmp_path / "mix.wav"
    soundfile.write(out, np.full((RATE, 2), 0.1, dtype=np.float32), RATE, subtype="PCM_24")
    before = out.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(OutputError, match="the disk is full; the previous file is unchanged"):
        write_audio(out, np.zeros((2, RATE * 3), dtype=np.float32), RATE)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.wav"]


class _TinyDisk(io.RawIOBase):
    """A new file on a disk with ``room`` bytes left, as a small tmpfs: bytes written past the
    file's end take room; a write that finds none raises ENOSPC (a short write first when some
    is left); rewriting bytes already there (a WAV header at close) takes none."""

    def __init__(self, fd: int, room: int) -> None:
        self.fd, self.room, self.end = fd, room, os.fstat(fd).st_size

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def seek(self, pos: int, whence: int = 0) -> int:
        return os.lseek(self.fd, pos, whence)

    def tell(self) -> int:
        return os.lseek(self.fd, 0, os.SEEK_CUR)

    def write(self, b) -> int:
        pos = self.tell()
        n = min(len(b), max(0, self.end + self.room - pos))
        if n == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.write(self.fd, bytes(b[:n]))
        grown = max(0, pos + n - self.end)
        self.room -= grown
        self.end += grown
        return n

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


def _disk_with_room(monkeypatch, room: int) -> None:
    """Outputs written through :func:`bridge.files.atomic_output` land on a disk with ``room``
    bytes left."""
    real = os.fdopen
    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode="r", *a, **k:
                        io.BufferedWriter(_TinyDisk(fd, room)) if mode == "wb" else real(fd, mode, *a, **k))  # fmt: skip


#: 2 s of mono at 48 kHz in a 24-bit WAV as pedalboard writes it: 288 000 bytes of samples, a
#: 104-byte header.
_WAV_BYTES = 2 * RATE * 3 + 104


@pytest.mark.parametrize("room", [0, 4096, 16384, 28672, 53248, _WAV_BYTES - 200, _WAV_BYTES - 1])
@pytest.mark.parametrize("streamed", [False, True])
def test_a_full_disk_at_any_point_is_one_output_error(tmp_path, monkeypatch, room, streamed):
    """The disk fills at the first byte, mid-file (4, 16, 28, 52 kB left: a 64 kB tmpfs part
    filled), or in the last bytes, which reach the disk only when the writer closes (it
    flushes its buffer and rewrites the header): always the one OutputError saying so, the
    old output byte for byte, no temporary file. (With the last bytes the writer's close
    raised a SystemError around the OSError, and closing the temporary file raised ENOSPC
    again over it: a traceback of four exceptions.)"""
    from bridge.audio_io import open_audio_output

    out = tmp_path / "mix.wav"
    soundfile.write(out, np.full((RATE, 1), 0.1, dtype=np.float32), RATE, subtype="PCM_24")
    before = out.read_bytes()
    audio = (np.random.default_rng(0).standard_normal((1, 2 * RATE)) * 0.1).astype(np.float32)
    _disk_with_room(monkeypatch, room)
    with pytest.raises(OutputError, match="^cannot write .*mix.wav: the disk is full; the previous file is unchanged$"):
        if streamed:
            with open_audio_output(out, RATE, 1) as w:
                for i in range(0, audio.shape[1], 4096):
                    w.write(audio[:, i : i + 4096])
        else:
            write_audio(out, audio, RATE)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.wav"]
    monkeypatch.undo()
    write_audio(out, audio, RATE)  # with the room, the same write goes through: the fake holds what a disk holds
    assert len(out.read_bytes()) == _WAV_BYTES


def test_text_outputs_share_the_atomic_write(tmp_path, monkeypatch):
    out = tmp_path / "chain.json"
    out.write_text("old\n")
    monkeypatch.setattr(files.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with pytest.raises(OSError, match="the disk is full"):
        atomic_write_text(out, "new\n")
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain.json"]


def test_orphaned_temporary_files_are_removed_once_old(tmp_path):
    """A killed write's ``.NAME.XXXX.tmp``: removed by the next write to NAME once older than
    ORPHAN_AGE_S (one hour); a younger one (a write still running) and another name's kept."""
    out = tmp_path / "song.wav"
    old = tmp_path / ".song.wav.k1l2m3.tmp"
    young = tmp_path / ".song.wav.z9y8x7.tmp"
    other = tmp_path / ".other.wav.a1b2c3.tmp"
    for p in (old, young, other):
        p.write_bytes(b"x" * 100)
    past = time.time() - files.ORPHAN_AGE_S - 60
    os.utime(old, (past, past))
    os.utime(other, (past, past))
    assert orphans(out) == [old]
    write_audio(out, np.zeros((1, 100), dtype=np.float32), RATE)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".other.wav.a1b2c3.tmp", young.name, "song.wav"])


def test_hard_link_of_the_input_is_the_input(tmp_path):
    src = tmp_path / "in.wav"
    soundfile.write(src, np.zeros((100, 2), dtype=np.float32), RATE)
    link = tmp_path / "linked.wav"
    os.link(src, link)
    assert same_file(src, link) and not same_file(src, tmp_path / "new.wav")
    with pytest.raises(OutputError, match="is the input file"):
        check_output(link, src)


@pytest.mark.parametrize("bad", ["/dev/full", "/dev/null"])
def test_a_device_is_never_an_output(bad):
    with pytest.raises(OutputError, match="not a regular file"):
        check_output(bad)


def test_an_unwritable_folder_is_said_before_any_work(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="does not exist|not a folder"):
        check_output(blocker / "out.wav", try_write=True)
    with pytest.raises(OutputError, match="cannot write /proc/out.wav"):
        check_output("/proc/out.wav", try_write=True)


def test_two_writes_in_progress_have_their_own_temporary_files(tmp_path):
    """Deterministic form of the race: while one write is half done, a second write to the
    same name runs and finishes; the first then finishes whole (a shared temporary name made
    the second truncate the first's half-written file, and its rename took the first's)."""
    from bridge.audio_io import open_audio_output

    out = tmp_path / "out.wav"
    with open_audio_output(out, RATE, 2) as first:
        first.write(np.full((2, RATE), 0.25, dtype=np.float32))
        write_audio(out, np.full((2, RATE * 2), -0.5, dtype=np.float32), RATE)
        assert read_audio(out)[0].shape == (2, RATE * 2)
        first.write(np.full((2, RATE), 0.25, dtype=np.float32))
    y, _ = read_audio(out)
    assert y.shape == (2, RATE * 2) and np.allclose(y, 0.25, atol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".aiff"])
def test_a_fixed_point_output_that_would_clip_is_refused(tmp_path, suffix):
    """A render peaking at +1.0 dBFS was written to 24 bits clipped (analyze of it: samples in
    runs at full scale, clipped) while apply printed the true peak of the clipped file: the
    write is refused in one line, the old output stays; a peak of exactly full scale is
    written, and the same over-full-scale render goes to a lossy file unrefused."""
    from bridge.audio_io import open_audio_output

    out = tmp_path / f"mix{suffix}"
    write_audio(out, np.full((1, RATE), 0.1, dtype=np.float32), RATE)
    before = out.read_bytes()
    t = np.arange(RATE) / RATE
    hot = (1.122 * np.sin(2 * np.pi * 440 * t))[None, :].astype(np.float32)  # +1.0 dBFS
    with pytest.raises(OutputError, match=r"^cannot write .*: the result peaks at \+1\.0 dBFS, over full scale: "
                                          r"the 24-bit file would clip; the previous file is unchanged\. "):  # fmt: skip
        write_audio(out, hot, RATE)
    with pytest.raises(OutputError, match="would clip"):
        with open_audio_output(out, RATE, 1) as w:
            for i in range(0, RATE, 4096):
                w.write(hot[:, i : i + 4096])
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    write_audio(out, hot / np.abs(hot).max(), RATE)  # full scale itself is no clip
    assert float(np.abs(read_audio(out)[0]).max()) == pytest.approx(1.0, abs=2.0**-22)
    write_audio(tmp_path / "mix.ogg", hot, RATE)


@pytest.mark.parametrize("streamed", [True, False])
def test_apply_refuses_a_result_that_would_clip_and_reports_the_written_file(tmp_path, streamed):
    """apply of a +3 dB gain on a sine peaking at −1 dBFS: refused with the clip named (the
    result, +2.0 dBFS, would be clipped in the 24-bit file), the old output untouched,
    streamed and in memory (a gate beside it). At +0.5 dB the result passes: the true peak
    apply reports is the written file's."""
    from analyzers.context import make_context
    from analyzers.moves import Move
    from analyzers.suggest import Suggestion
    from bridge.apply import run_apply
    from bridge.measure import analyze_file
    from signals import write_float_wav

    def sug(sid, kind, params):
        return Suggestion(id=sid, move=Move(kind, params), why="test", confidence=0.5, severity="low", aspect=sid)

    t = np.arange(3 * RATE) / RATE
    src = tmp_path / "in.wav"
    write_float_wav(src, np.stack([0.891 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32), RATE)
    out = tmp_path / "out.wav"
    out.write_bytes(b"previous result")
    gate = sug("gate", "gate", {"threshold_db": -60.0, "ratio": 2.0, "range_db": 10.0, "attack_ms": 1.0,
                                "hold_ms": 20.0, "release_ms": 100.0, "hysteresis_db": 4.0})  # fmt: skip
    for gain_db, clips in ((3.0, True), (0.5, False)):
        extra = [sug("up", "gain", {"gain_db": gain_db})] + ([] if streamed else [gate])
        accept = ",".join(s.id for s in extra)
        if clips:
            with pytest.raises(OutputError, match=r"the result peaks at \+2\.0 dBFS, over full scale: the 24-bit file "
                                                  r"would clip; the previous file is unchanged"):  # fmt: skip
                run_apply(src, out, make_context(role_name="mix"), accept=accept, extra=extra)
            assert out.read_bytes() == b"previous result"
            assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav", "out.wav"]
        else:
            _, report = run_apply(src, out, make_context(role_name="mix"), accept=accept, extra=extra)
            assert report.after.levels.true_peak_dbtp == analyze_file(out)[1].levels.true_peak_dbtp
            assert -0.6 < report.after.levels.true_peak_dbtp < -0.4
