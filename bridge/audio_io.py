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
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import AudioReadError

#: File name suffixes taken for audio when a folder is listed or watched (lower case).
AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac", ".aif", ".aiff", ".mp3", ".ogg", ".m4a"})
#: File name suffixes of the formats Second Ear writes (24-bit), in the order offered.
WRITE_SUFFIXES = (".wav", ".flac", ".aiff", ".aif")
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

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.sample_rate_hz


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Open ``path`` far enough to know its rate, channels and length.

    Raises
    ------
    AudioReadError
        The file is missing, empty, not audio, or holds no samples.
    """
    from pedalboard.io import AudioFile  # imported here: the analyzers do not need it

    p = Path(path)
    if not p.exists():
        raise AudioReadError(f"{p}: no such file")
    if p.is_dir():
        raise AudioReadError(f"{p}: is a folder, not an audio file")
    size = p.stat().st_size
    if size == 0:
        raise AudioReadError(f"{p}: empty file (0 bytes)")
    try:
        with AudioFile(str(p)) as f:
            rate, channels, frames, dtype = float(f.samplerate), int(f.num_channels), int(f.frames), str(f.file_dtype)
    except (ValueError, RuntimeError, OSError) as exc:
        raise AudioReadError(f"{p}: not a readable audio file ({_reason(exc)})") from exc
    warnings: list[str] = []
    held = _frames_held(p, size, channels)
    if held is not None and held < frames:
        warnings.append(
            f"truncated: the header promises {frames} frames ({frames / rate:.2f} s) but the file holds "
            f"{held} ({held / rate:.2f} s); only those are measured"
        )
        frames = held
    if channels < 1 or rate <= 0:
        raise AudioReadError(f"{p}: reports {channels} channels at {rate} Hz")
    if frames == 0:
        raise AudioReadError(f"{p}: holds no audio samples (empty or cut off before the first frame)")
    return AudioInfo(
        path=str(p), sample_rate_hz=rate, num_channels=channels, num_frames=frames,
        file_dtype=dtype, warnings=tuple(warnings),
    )  # fmt: skip


def iter_blocks(info: AudioInfo, *, block_frames: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """Yield the file's samples as float32 blocks shaped ``(channels, ≤ block_frames)``."""
    from pedalboard.io import AudioFile

    left = info.num_frames
    try:
        with AudioFile(info.path) as f:
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
    text = str(exc).strip().rstrip(".")
    return text.split(": ", 1)[-1] if text.startswith("Failed to open") else text or type(exc).__name__


def _frames_held(p: Path, size: int, channels: int) -> int | None:
    """Frames actually present in a WAV or AIFF file, from its chunk sizes; None if unknown."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12:
                return None
            if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
                return _walk(fh, size, "<", b"data", b"fmt ", channels, wav=True)
            if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
                return _walk(fh, size, ">", b"SSND", b"COMM", channels, wav=False)
    except OSError:
        return None
    return None


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
