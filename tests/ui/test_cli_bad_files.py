"""Hostile inputs and outputs on the command line: one clear line, exit 1, no traceback, and
an existing output untouched (issue 11, items 3, 8 and 9).

Run as a stranger would: ``python -m ui.cli`` in a subprocess, stderr read whole.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge.audio_io import probe, read_audio
from bridge.errors import AudioReadError

RATE = 48000
ROOT = Path(__file__).resolve().parents[2]


def run(*args, preexec=None, timeout=120):
    r = subprocess.run([sys.executable, "-m", "ui.cli", *map(str, args)], capture_output=True, text=True,
                       cwd=ROOT, timeout=timeout, preexec_fn=preexec, stdin=subprocess.DEVNULL)  # fmt: skip
    return r.returncode, r.stdout, r.stderr


def one_line_error(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) >= 1, stderr
    return lines[-1]


def _pcm_wav(path, channels, rate, seconds=0.5):
    x = (np.random.default_rng(0).standard_normal((int(rate * seconds), channels)) * 3000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())


@pytest.fixture(scope="module")
def noise(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    p = d / "noise.wav"
    x = (np.random.default_rng(3).standard_normal((RATE * 3, 2)) * 0.1).astype(np.float32)
    soundfile.write(p, x, RATE, subtype="PCM_24")
    return p


@pytest.fixture(scope="module")
def flacs(tmp_path_factory):
    """A 10 s stereo FLAC, the same cut to its first third, and its first 60 bytes."""
    d = tmp_path_factory.mktemp("flac")
    x = (np.random.default_rng(5).standard_normal((RATE * 10, 2)) * 0.1).astype(np.float32)
    whole = d / "whole.flac"
    soundfile.write(whole, x, RATE, subtype="PCM_24")
    data = whole.read_bytes()
    third, head = d / "third.flac", d / "head.flac"
    third.write_bytes(data[: len(data) // 3])
    head.write_bytes(data[:60])
    return x.T, whole, third, head


@pytest.mark.parametrize("channels,rate,says", [(65, 48000, "65 channels; Second Ear reads 1 to 64"),
                                                (2, 1600000, "sample rate 1.6e+06 Hz")])  # fmt: skip
@pytest.mark.parametrize("command", ["analyze", "apply", "render"])
def test_files_beyond_the_limits_are_one_line(tmp_path, channels, rate, says, command):
    src = tmp_path / "odd.wav"
    _pcm_wav(src, channels, rate, seconds=0.2)
    extra = {"analyze": [], "apply": ["-o", tmp_path / "o.wav"],
             "render": ["-o", tmp_path / "o.wav", "--move", "gain gain_db=-3"]}[command]  # fmt: skip
    code, _, err = run(command, src, *extra)
    assert code == 1
    assert says in one_line_error(err)
    assert not (tmp_path / "o.wav").exists()


def test_truncated_flac_is_measured_as_far_as_it_goes(flacs):
    """A third of a 10 s FLAC: the decoder pads the rest with silence; the probe finds the last
    frame a second decoder (libsndfile) can read, warns with that duration, and the samples
    read are the original's, none padded."""
    x, whole, third, _ = flacs
    assert probe(whole).num_frames == RATE * 10 and not probe(whole).warnings
    info = probe(third)
    assert RATE * 10 * 0.30 < info.num_frames < RATE * 10 / 3 + 4096  # the cut, to one FLAC block
    assert info.warnings and "truncated" in info.warnings[0] and f"({info.num_frames / RATE:.2f} s)" in info.warnings[0]
    y, _ = read_audio(third)
    assert y.shape[1] == info.num_frames
    assert np.max(np.abs(y - x[:, : y.shape[1]])) < 1e-6  # 24-bit rounding, no padded zeros


def test_header_only_flac_is_an_error(flacs, tmp_path):
    head = flacs[3]
    with pytest.raises(AudioReadError, match="no decodable audio"):
        probe(head)
    existing = tmp_path / "kept.wav"
    existing.write_bytes(b"old")
    code, _, err = run("apply", head, "-o", existing)
    assert code == 1 and "no decodable audio" in one_line_error(err)
    assert existing.read_bytes() == b"old"


def test_analyze_warns_with_the_real_duration(flacs):
    code, out, err = run("analyze", flacs[2])
    assert code == 0
    assert "truncated" in out + err


@pytest.mark.parametrize("command", ["apply", "render"])
def test_a_failed_run_leaves_the_existing_output(tmp_path, command):
    """An unreadable input with ``-o`` on an existing 1 MB file: the file stays byte for byte
    (it was cut to a 104-byte header before)."""
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk" * 10)
    out = tmp_path / "mix.wav"
    soundfile.write(out, np.full((RATE * 4, 2), 0.1, dtype=np.float32), RATE, subtype="PCM_24")
    before = out.read_bytes()
    extra = ["--move", "gain gain_db=-3"] if command == "render" else []
    code, _, err = run(command, bad, "-o", out, *extra)
    assert code == 1
    one_line_error(err)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.wav", "mix.wav"]


@pytest.mark.parametrize("command", ["apply", "render"])
def test_unwritable_outputs_are_one_line(tmp_path, noise, command):
    """Read-only places as root: ``/proc`` (no file can be created there), a path through a
    regular file (ENOTDIR), a device (``/dev/full``, never replaced). A read-only mount cannot
    be made inside a test; these fail at the same call."""
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    extra = ["--move", "gain gain_db=-3"] if command == "render" else []
    for out, says in (("/proc/out.wav", "cannot write /proc/out.wav"),
                      (blocker / "out.wav", "a part of the path is not a folder"),
                      ("/dev/full", "not a regular file")):  # fmt: skip
        code, _, err = run(command, noise, "-o", out, *extra)
        assert code == 1, (out, err)
        assert says in one_line_error(err), err
    assert os.path.exists("/dev/full") and not Path("/dev/full").is_file()


def _small_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


@pytest.mark.parametrize("command", ["apply", "render"])
def test_running_out_of_space_mid_write(tmp_path, noise, command):
    """The process may write files of 200 kB at most (RLIMIT_FSIZE, the kernel's own short
    write, as a full disk gives): the 3 s output (860 kB) fails mid-write with one line, the
    existing output stays, no temporary file is left."""
    out = tmp_path / "mix.wav"
    out.write_bytes(b"previous result")
    extra = ["--move", "gain gain_db=-3"] if command == "render" else []
    code, _, err = run(command, noise, "-o", out, *extra, preexec=_small_files)
    assert code == 1
    assert "larger than this file system or process may write" in one_line_error(err)
    assert out.read_bytes() == b"previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.wav"]


@pytest.mark.parametrize("command", ["apply", "render"])
def test_a_real_full_disk_is_one_line_at_every_fill(tmp_path, noise, command):
    """A 64 KiB tmpfs (mounted in a user and mount namespace, ``unshare -rm``) filled to 4, 16,
    28 and 52 KiB before the 3 s output (860 kB), with an earlier output there and without:
    one line saying the disk is full, exit 1, the earlier output whole, no temporary file.
    (Without an earlier output the writer's close raised a SystemError and the temporary
    file's close ENOSPC over the reported error: four chained exceptions.)
    tests/bridge/test_outputs.py fills a simulated disk at every point, without a mount."""
    from signals import require_mount_namespace

    require_mount_namespace()
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    extra = ["--move", "gain gain_db=-3"] if command == "render" else ["--no-taste"]
    script = ('mount -t tmpfs -o size=64k tmpfs "$1" && for k in 4 16 28 52; do for prev in yes no; do '
              'rm -f "$1"/*; head -c "${k}k" /dev/zero > "$1/fill"; [ $prev = no ] || printf previous > "$1/out.wav"; '
              '(cd "$2" && shift 2 && "$@"); echo "exit $? fill $k: $(ls -A "$1" | tr "\\n" " ")$(cat "$1/out.wav" 2>/dev/null)"; '
              'done; done')
    run = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(mnt), str(ROOT), sys.executable, "-m",
                          "ui.cli", command, str(noise), "-o", str(mnt / "out.wav"), *extra],
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip
    assert "Traceback" not in run.stderr, run.stderr
    said = [ln for ln in run.stderr.splitlines() if ln.strip()]
    out = mnt / "out.wav"
    assert said == [f"secondear: cannot write {out}: the disk is full; the previous file is unchanged",
                    f"secondear: cannot write {out}: the disk is full; nothing was written"] * 4  # fmt: skip
    assert run.stdout.splitlines() == [line for k in (4, 16, 28, 52)
                                       for line in (f"exit 1 fill {k}: fill out.wav previous", f"exit 1 fill {k}: fill ")]


def test_hard_link_of_the_input_is_refused(tmp_path, noise):
    link = tmp_path / "same.wav"
    os.link(noise, link)
    before = Path(noise).read_bytes()
    code, _, err = run("render", noise, "-o", link, "--move", "gain gain_db=-3")
    assert code == 2 and "is the input file" in one_line_error(err)
    code, _, err = run("apply", noise, "-o", link)
    assert code == 1 and "is the input file" in one_line_error(err)
    assert Path(noise).read_bytes() == before
