"""Reading audio files in blocks, through pedalboard's ``AudioFile``.

Formats: whatever pedalboard reads on the platform (WAV, FLAC, AIFF, MP3 and OGG Vorbis
everywhere). Samples come out as float32 shaped ``(channels, samples)``, full scale ±1.0,
never resampled or downmixed.

Truncated files: pedalboard fills missing data of a truncated WAV or AIFF with silence and
says nothing. :func:`probe` reads the RIFF/AIFF chunk sizes itself, so that a file whose
header promises more audio than it holds is read only as far as it goes, with a warning.
"""

from __future__ import annotations

import os
import re
import stat
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile
from pedalboard.io import AudioFile

from analyzers.analysis import MAX_CHANNELS, MAX_SAMPLE_RATE_HZ, MIN_SAMPLE_RATE_HZ
from analyzers.convert import amplitude_to_db

from .errors import AudioReadError
from .files import OutputError, atomic_output, why

#: File name suffixes taken for audio when a folder is listed or watched (lower case).
AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac", ".aif", ".aiff", ".mp3", ".ogg", ".m4a"})
#: Formats written, by file name suffix (lower case): pedalboard's writer's names.
WRITE_FORMATS = {".wav": "wav", ".wave": "wav", ".flac": "flac", ".aif": "aiff", ".aiff": "aiff",
                 ".ogg": "ogg", ".mp3": "mp3"}  # fmt: skip
#: File name suffixes of the formats Second Ear writes (24-bit), in the order offered.
WRITE_SUFFIXES = (".wav", ".flac", ".aiff", ".aif")
#: Bits per sample of the fixed-point formats written (WAV, FLAC, AIFF).
WRITE_BIT_DEPTH = 24
#: Frames read at a time: 2^16 (1.4 s at 48 kHz), 512 KiB per stereo block.
BLOCK_FRAMES = 1 << 16


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioInfo:
    """What a file holds, before reading its samples."""

    path: str
    sample_rate_hz: float
    num_channels: int
    num_frames: int
    file_dtype: str
    warnings: tuple[str, ...] = field(default=())
    #: (st_dev, st_ino) of the file probed: later reads check they read the same file
    identity: tuple[int, int] | None = None

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.sample_rate_hz


def open_regular(path: str | os.PathLike[str]):
    """Open ``path`` for reading once, and check what was opened (not the name): a regular file.

    The descriptor is opened without blocking (a FIFO put in the file's place cannot stall
    the open) and ``fstat``-ed; every later read goes through this one descriptor, so a file
    swapped by ``rename()`` after the check is never read.

    Raises
    ------
    AudioReadError
        Missing, a folder, a FIFO, a device or a socket, or unreadable.
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise AudioReadError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise AudioReadError(f"{p}: is a folder, not an audio file") from None
    except OSError as exc:
        raise AudioReadError(f"{p}: cannot open it ({exc.strerror or exc})") from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise AudioReadError(f"{p}: is a folder, not an audio file")
        raise AudioReadError(f"{p}: not a regular file (a FIFO, device or socket): not read")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _fd_path(fh, p: Path) -> str:
    """A name that opens the very file behind ``fh`` (its inode, not whatever ``p`` names
    now): ``/proc/self/fd/N`` on Linux. pedalboard reads a path faster and more safely than
    a Python file object (a damaged WAV handed as a file object never returns)."""
    fd_path = f"/proc/self/fd/{fh.fileno()}"
    return fd_path if os.path.exists(fd_path) else str(p)


#: Containers whose codecs (AAC, WMA) pedalboard decodes only on macOS and Windows.
_UNDECODED_SUFFIXES = (".m4a", ".aac", ".mp4", ".wma", ".alac")


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Open ``path`` far enough to know its rate, channels and length.

    Checks the file's limits (1 to :data:`analyzers.analysis.MAX_CHANNELS` channels, a rate
    from 4 kHz to 1.536 MHz) and that its audio is there: a WAV or AIFF whose chunk sizes
    promise more than the file holds, and a FLAC cut short (the decoder pads the missing
    end with silence), are read only as far as they go, with a warning naming the real
    duration; a FLAC with no decodable frame (header only) is an error.

    Raises
    ------
    AudioReadError
        The file is missing, empty, not a regular file, not audio, beyond the limits, or
        holds no samples.
    """
    p = Path(path)
    with open_regular(p) as fh:
        st = os.fstat(fh.fileno())
        size = st.st_size
        if size == 0:
            raise AudioReadError(f"{p}: empty file (0 bytes)")
        try:
            with AudioFile(_fd_path(fh, p)) as f:
                rate, channels, frames, dtype = float(f.samplerate), int(f.num_channels), int(f.frames), str(f.file_dtype)
        except (ValueError, RuntimeError, OSError) as exc:
            hint = (f"; a {p.suffix} file (AAC, WMA) is not decoded on this system: convert it first, e.g. "
                    "ffmpeg -i IN OUT.flac"
                    if p.suffix.lower() in _UNDECODED_SUFFIXES else "")  # fmt: skip
            raise AudioReadError(f"{p}: not a readable audio file ({_reason(exc)}){hint}") from exc
        if not (1 <= channels <= MAX_CHANNELS):
            raise AudioReadError(f"{p}: {channels} channels; Second Ear reads 1 to {MAX_CHANNELS}")
        if dtype == "unknown":  # e.g. a WAV of 7 bits per sample: the header opens, no sample decodes
            raise AudioReadError(f"{p}: a sample format the decoder cannot read (8, 16, 24 or 32-bit PCM, or float)")
        if not (MIN_SAMPLE_RATE_HZ <= rate <= MAX_SAMPLE_RATE_HZ):
            raise AudioReadError(f"{p}: sample rate {rate:g} Hz; Second Ear reads {MIN_SAMPLE_RATE_HZ:g} to "
                                 f"{MAX_SAMPLE_RATE_HZ:g} Hz")  # fmt: skip
        warnings: list[str] = []
        fh.seek(0)
        held = _frames_held(fh, size, channels)
        if held is None:
            fh.seek(0)
            held = _flac_frames_decodable(fh, p, frames)
        if held is not None and held < frames:
            warnings.append(
                f"truncated: the header promises {frames} frames ({frames / rate:.2f} s) but the file holds "
                f"{held} ({held / rate:.2f} s); only those are measured"
            )
            frames = held
    if frames == 0:
        raise AudioReadError(f"{p}: holds no audio samples (empty or cut off before the first frame)")
    return AudioInfo(
        path=str(p), sample_rate_hz=rate, num_channels=channels, num_frames=frames,
        file_dtype=dtype, warnings=tuple(warnings), identity=(st.st_dev, st.st_ino),
    )  # fmt: skip


def iter_blocks(info: AudioInfo, *, block_frames: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """Yield the file's samples as float32 blocks shaped ``(channels, ≤ block_frames)``.

    Raises
    ------
    AudioReadError
        The file cannot be read, or is no longer the file :func:`probe` opened (replaced).
    """
    left = info.num_frames
    with open_regular(info.path) as fh:
        if info.identity is not None:
            st = os.fstat(fh.fileno())
            if (st.st_dev, st.st_ino) != info.identity:
                raise AudioReadError(f"{info.path}: the file was replaced while being read; read it again")
        try:
            with AudioFile(_fd_path(fh, Path(info.path))) as f:
                while left > 0:
                    block = f.read(min(block_frames, left))
                    if block.shape[1] == 0:
                        break
                    left -= block.shape[1]
                    yield block
        except (ValueError, RuntimeError, OSError) as exc:
            raise AudioReadError(f"{info.path}: reading failed ({_reason(exc)})") from exc


def read_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, float]:
    """The whole file as float32 ``(channels, samples)`` and its sample rate in Hz."""
    info = probe(path)
    blocks = list(iter_blocks(info))
    if not blocks:
        return np.zeros((info.num_channels, 0), dtype=np.float32), info.sample_rate_hz
    return np.concatenate(blocks, axis=1), info.sample_rate_hz


def _reason(exc: BaseException) -> str:
    text = re.sub(r'(file )?"/proc/self/fd/\d+" ?', "", str(exc)).strip().rstrip(".")
    return text.split(": ", 1)[-1] if text.startswith("Failed to open") else text or type(exc).__name__


def _frames_held(fh, size: int, channels: int) -> int | None:
    """Frames actually present in a WAV or AIFF file, from its chunk sizes; None if unknown."""
    try:
        head = fh.read(12)
        if len(head) < 12:
            return None
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            return _walk(fh, size, "<", b"data", b"fmt ", channels, wav=True)
        if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
            return _walk(fh, size, ">", b"SSND", b"COMM", channels, wav=False)
    except (OSError, struct.error):
        return None
    return None


def _flac_frames_decodable(fh, p: Path, frames: int) -> int | None:
    """Frames a FLAC file really holds, found with a second decoder (libsndfile, through
    ``soundfile``): pedalboard's pads a cut-off stream with silence up to the length its
    header declares. Seeks, not a decode of the whole file: the last frame that can be
    read, by bisection (about 25 seeks). None for other formats.

    Raises
    ------
    AudioReadError
        A FLAC stream with no decodable frame (a header alone).
    """
    if fh.read(4) != b"fLaC" or frames <= 0:
        return None

    def readable(pos: int) -> bool:
        fh.seek(0)
        try:
            with soundfile.SoundFile(fh, closefd=False) as f:
                f.seek(pos)
                return len(f.read(1, dtype="float32")) == 1
        except (RuntimeError, soundfile.LibsndfileError, ValueError):
            return False

    if readable(frames - 1):
        return frames
    if not readable(0):
        raise AudioReadError(f"{p}: a FLAC header with no decodable audio (the stream is cut off before its "
                             f"first frame)")  # fmt: skip
    lo, hi = 0, frames - 1  # lo can be read, hi cannot
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if readable(mid):
            lo = mid
        else:
            hi = mid
    return lo + 1


def _walk(fh, size: int, endian: str, data_id: bytes, fmt_id: bytes, channels: int, *, wav: bool) -> int | None:
    bytes_per_frame = None
    pos = 12
    while pos + 8 <= size:
        fh.seek(pos)
        cid, csize = struct.unpack(endian + "4sI", fh.read(8))
        body = pos + 8
        if cid == fmt_id:
            raw = fh.read(min(csize, 18))
            if wav and len(raw) >= 16:
                bits = struct.unpack("<H", raw[14:16])[0]
                bytes_per_frame = channels * ((bits + 7) // 8)
            elif not wav and len(raw) >= 8:
                bits = struct.unpack(">h", raw[6:8])[0]
                bytes_per_frame = channels * ((bits + 7) // 8)
        elif cid == data_id:
            if csize in (0, 0xFFFFFFFF) or not bytes_per_frame:
                return None  # streaming writers leave the size open; trust the decoder
            start = body + (8 if not wav else 0)  # SSND has offset and block size first
            declared = csize - (8 if not wav else 0)
            available = max(0, size - start)
            return min(declared, available) // bytes_per_frame
        pos = body + csize + (csize & 1)
    return None


class AudioWriter:
    """Blocks written one after another into an output opened by :func:`open_audio_output`."""

    def __init__(self, f, path: Path) -> None:
        self._f = f
        self._path = path
        self.frames = 0
        self.peak = 0.0

    def write(self, block: np.ndarray) -> None:
        x = np.ascontiguousarray(block, dtype=np.float32)
        if x.size:
            self.peak = max(self.peak, float(np.abs(x).max()))
        try:
            self._f.write(x)
        except (OSError, ValueError, RuntimeError, SystemError) as exc:
            raise _write_failure(self._path, exc) from exc
        self.frames += x.shape[1]


@contextmanager
def open_audio_output(path: str | os.PathLike[str], sample_rate_hz: float, num_channels: int) -> Iterator[AudioWriter]:
    """Write audio to ``path`` block by block (24-bit for WAV/FLAC/AIFF), atomically.

    A fixed-point file (WAV, FLAC, AIFF) is never written clipped: when a sample passed
    full scale (±1.0) the whole output is refused once written (``path`` as it was), since
    the figures measured on it would not be those of the render.

    The samples go into a unique temporary file in the same folder
    (:func:`bridge.files.atomic_output`), which replaces ``path`` only once complete and
    fsynced: a failed or interrupted run, or a full disk, leaves an existing ``path`` as it
    was; two runs writing the same ``path`` leave one run's whole result.

    Raises
    ------
    bridge.files.OutputError
        An unknown suffix, an unwritable folder, a full disk, a fixed-point output that
        would clip.
    """
    p = Path(path)
    fmt = WRITE_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise OutputError(f"cannot write {p}: unknown audio format {p.suffix or '(no suffix)'!r}; use one of "
                          + ", ".join(sorted({k for k in WRITE_FORMATS if k != ".wave"})))
    fixed_point = fmt in ("wav", "flac", "aiff")
    kwargs = {"bit_depth": WRITE_BIT_DEPTH} if fixed_point else {}
    with atomic_output(p) as fh:
        try:
            f = AudioFile(fh, "w", float(sample_rate_hz), int(num_channels), format=fmt, **kwargs)
        except (ValueError, RuntimeError) as exc:
            raise OutputError(f"cannot write {p}: {_reason(exc)}") from exc
        writer = AudioWriter(f, p)
        try:
            yield writer
            if fixed_point and writer.peak > 1.0:
                raise OutputError(f"cannot write {p}: the result peaks at {amplitude_to_db(writer.peak):+.1f} dBFS, over "
                                  f"full scale: the {WRITE_BIT_DEPTH}-bit file would clip; {_kept(p)}. End the chain "
                                  "with a limiter (apply: a --target and its loudness move) or lower the gain")  # fmt: skip
        except BaseException:
            try:  # the failure under way is the one to report, not the writer's flush onto a full disk
                f.close()
            except (OSError, ValueError, RuntimeError, SystemError):
                pass
            raise
        try:
            f.close()
        except (OSError, ValueError, RuntimeError, SystemError) as exc:
            raise _write_failure(p, exc) from exc


def write_audio(path: str | os.PathLike[str], audio: np.ndarray, sample_rate_hz: float) -> None:
    """Write ``audio`` (float32 ``(channels, samples)``) to ``path`` atomically
    (:func:`open_audio_output`)."""
    with open_audio_output(path, sample_rate_hz, audio.shape[0]) as w:
        w.write(audio)


def _write_failure(p: Path, exc: BaseException) -> OutputError:
    """One line for a failed write or close. pedalboard's writer passes on the file object's
    OSError (a full disk: ENOSPC) as it is, or wrapped in a SystemError ("returned a result
    with an exception set"): the OSError in the chain is the reason said."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    reason = why(cause) if isinstance(cause, OSError) else _reason(exc)
    return OutputError(f"cannot write {p}: {reason}; {_kept(p)}")


def _kept(p: Path) -> str:
    return "the previous file is unchanged" if p.exists() else "nothing was written"
