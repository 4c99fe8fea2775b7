"""The engineer's taste: a log of decisions on suggestions, and a summary of it.

Each :class:`analyzers.suggest.records.Decision` (accepted, tweaked with the final parameters, or rejected) is one
JSON line appended to ``taste.jsonl`` in Second Ear's user data folder
(:func:`presets.store.data_dir`; ``$SECONDEAR_TASTE_FILE`` or the ``path`` argument move
it). An append is one ``write`` on a file opened with ``O_APPEND``, then ``fsync``; if it
fails (a full disk) the file is cut back to where it was, so no half line is left. Reading
skips lines it cannot use (damaged, or from a newer Second Ear) and counts them.

:func:`summarize` is pure: it turns decisions into plain data, per (kind, role) and per
rule, that :func:`analyzers.suggest.taste.taste_adjusted` takes.
"""

from __future__ import annotations

import errno
import json
import math
import os
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from analyzers.errors import ParameterError
from analyzers.suggest.records import DECISION_SCHEMA_VERSION, VERDICTS, Decision
from analyzers.suggest.taste import (LOUDNESS_OFFSET_MIN_DB, MIN_AMOUNT_DECISIONS, MIN_LOUDNESS_DECISIONS,
                                     REJECT_MIN_DECISIONS, REJECT_SHARE, amount_key, describe_key, kept_share)  # fmt: skip

from .errors import PresetFormatError, PresetStoreError
from .store import data_dir

#: The line format this code reads and writes (``v`` in each line): a Decision's ``to_dict``.
TASTE_SCHEMA_VERSION = DECISION_SCHEMA_VERSION
#: The environment variable that moves the taste log.
ENV_TASTE_FILE = "SECONDEAR_TASTE_FILE"
#: Lines longer than this are skipped as damaged (bytes).
MAX_LINE_BYTES = 64 * 1024
#: Parameters whose tweaks the summary reports (median of final − proposed).
TWEAKED_PARAMS = ("gain_db", "freq_hz")


def default_taste_path() -> Path:
    """``$SECONDEAR_TASTE_FILE``, else ``taste.jsonl`` in :func:`presets.store.data_dir`."""
    env = os.environ.get(ENV_TASTE_FILE)
    return Path(env).expanduser() if env else data_dir() / "taste.jsonl"


@dataclass(frozen=True, slots=True)
class TasteRead:
    """What :meth:`TasteLog.read` found: the usable decisions and how many lines were skipped."""

    decisions: tuple[Decision, ...]
    skipped_lines: int


class TasteLog:
    """The JSON-lines decision log at ``path`` (default :func:`default_taste_path`)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_taste_path()

    def __enter__(self) -> TasteLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing is held open between calls."""

    def append(self, decision: Decision) -> None:
        """Append one decision as one line, atomically (see the module's docstring).

        Raises
        ------
        PresetStoreError
            The log cannot be written (a full disk included); it is left as it was.
        """
        data = (json.dumps(decision.to_dict(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
                + "\n").encode("utf-8")  # fmt: skip
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise PresetStoreError(f"cannot open the taste log {self.path}: {exc.strerror or exc}") from exc
        start = None
        try:
            start = os.fstat(fd).st_size
            if start and os.pread(fd, 1, start - 1) != b"\n":
                data = b"\n" + data  # an earlier writer died mid-line: never glue onto its remains
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(errno.ENOSPC, f"only {written} of {len(data)} bytes written")
            os.fsync(fd)
        except OSError as exc:
            if start is not None:
                try:
                    os.ftruncate(fd, start)
                except OSError:
                    pass
            why = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or str(exc))
            raise PresetStoreError(f"cannot append to the taste log {self.path}: {why}; "
                                   "the log is as it was") from exc  # fmt: skip
        finally:
            os.close(fd)

    def read(self) -> TasteRead:
        """Every usable decision, oldest first; unusable lines are counted, not fatal."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return TasteRead((), 0)
        except OSError as exc:
            raise PresetStoreError(f"cannot read the taste log {self.path}: {exc.strerror or exc}") from exc
        out, skipped = [], 0
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                if len(line) > MAX_LINE_BYTES:
                    raise PresetFormatError("line too long")
                out.append(Decision.from_dict(json.loads(line.decode("utf-8"))))
            except (PresetFormatError, ParameterError, ValueError, RecursionError):
                skipped += 1
        return TasteRead(tuple(out), skipped)

    def reset(self) -> Path | None:
        """Forget: the log is moved aside to ``<name>.reset-<UTC time>`` beside it (returned),
        so suggestions use the defaults again; None when there was no log.

        Raises PresetStoreError when it cannot be moved."""
        if not self.path.exists():
            return None
        aside = self.path.with_name(f"{self.path.name}.reset-{datetime.now(timezone.utc):%Y%m%dT%H%M%S.%fZ}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            raise PresetStoreError(f"cannot move the taste log {self.path} aside: {exc.strerror or exc}") from exc
        return aside

    def summary(self) -> dict[str, Any]:
        """:func:`summarize` of everything in the log (plus ``skipped_lines``)."""
        r = self.read()
        return {**summarize(r.decisions), "skipped_lines": r.skipped_lines}


def summarize(decisions: Iterable[Decision]) -> dict[str, Any]:
    """Plain data (JSON-ready) a suggestion engine can use; pure.

    Returns ``{"decisions": n, "by_rule": {rule_id: stats}, "by_kind_role": {kind: {role:
    stats}}, "amounts": {key: {"n", "kept"}}}``; ``amounts`` holds, per
    :func:`analyzers.suggest.taste.amount_key` (kind, direction, region, role; and role ``*``
    over every role), the median share of the suggested amount kept over the accepted (1) and
    tweaked decisions; ``loudness`` holds, per destination, the median of the loudness
    move's final − suggested gain (dB; 0 for accepted as is); the role of a decision made without one is ``"any"``. ``stats`` is
    ``{"accepted", "tweaked", "rejected", "total": counts, "accept_rate": (accepted +
    tweaked) / total, "median_tweak": {...}}`` where ``median_tweak`` holds, over the tweaked
    decisions that changed them, the median of final − proposed for ``gain_db`` (dB) and
    ``freq_hz`` (Hz), and of log2(final / proposed) for the frequency as ``freq_oct``
    (octaves); a parameter never tweaked is absent.
    """
    groups_rule: dict[str, list[Decision]] = {}
    groups_kr: dict[str, dict[str, list[Decision]]] = {}
    shares: dict[str, list[float]] = {}
    offsets: dict[str, list[float]] = {}
    n = 0
    for d in decisions:
        n += 1
        groups_rule.setdefault(d.rule_id, []).append(d)
        groups_kr.setdefault(d.kind, {}).setdefault(d.role or "any", []).append(d)
        key = amount_key(d.kind, d.proposed, d.role)
        share = kept_share(d.kind, d.proposed, d.final) if d.verdict != "rejected" else None
        if d.suggestion_id == "loudness" and d.destination and d.verdict != "rejected" and "gain_db" in d.proposed:
            final = d.final.get("gain_db", d.proposed["gain_db"]) if d.final is not None else d.proposed["gain_db"]
            offsets.setdefault(d.destination, []).append(final - d.proposed["gain_db"])
        if key is not None and share is not None and math.isfinite(share):
            shares.setdefault(key, []).append(share)
            shares.setdefault(key.rsplit("|", 1)[0] + "|*", []).append(share)
    return {"decisions": n,
            "by_rule": {k: _stats(v) for k, v in sorted(groups_rule.items())},
            "by_kind_role": {k: {r: _stats(v) for r, v in sorted(roles.items())}
                             for k, roles in sorted(groups_kr.items())},
            "amounts": {k: {"n": len(v), "kept": round(statistics.median(v), 3)} for k, v in sorted(shares.items())},
            "loudness": {k: {"n": len(v), "offset_db": round(statistics.median(v), 2)}
                         for k, v in sorted(offsets.items())}}  # fmt: skip


def _stats(ds: list[Decision]) -> dict[str, Any]:
    counts = {v: sum(1 for d in ds if d.verdict == v) for v in VERDICTS}
    deltas: dict[str, list[float]] = {"gain_db": [], "freq_hz": [], "freq_oct": []}
    for d in ds:
        if d.verdict != "tweaked" or d.final is None:
            continue
        for p in TWEAKED_PARAMS:
            a, b = d.proposed.get(p), d.final.get(p)
            if a is None or b is None or a == b:
                continue
            deltas[p].append(b - a)
            if p == "freq_hz" and a > 0 and b > 0:
                deltas["freq_oct"].append(math.log2(b / a))
    total = len(ds)
    return {**counts, "total": total, "accept_rate": round((counts["accepted"] + counts["tweaked"]) / total, 3),
            "median_tweak": {k: round(statistics.median(v), 3) for k, v in deltas.items() if v}}  # fmt: skip


def describe_taste(summary: dict[str, Any]) -> list[str]:
    """What :func:`summarize` learnt, as lines for a person (``secondear taste show``, the
    panel's taste view): the amounts kept that scale suggestions, the kinds left out, and the
    decisions per kind and role."""
    n = int(summary.get("decisions", 0))
    lines = [f"{n} decisions" + (f" ({summary['skipped_lines']} unreadable lines skipped)"
                                 if summary.get("skipped_lines") else "")]  # fmt: skip
    if not n:
        return lines + ["nothing learnt yet: suggestions use the defaults"]
    amounts = [(k, v) for k, v in summary.get("amounts", {}).items() if not k.endswith("|*")]
    learnt = [(k, v) for k, v in amounts if v["n"] >= MIN_AMOUNT_DECISIONS and abs(v["kept"] - 1) >= 0.05]
    lines.append("amounts you keep (suggestions are scaled by these)")
    lines += [f"  {describe_key(k)}: about {100 * v['kept']:.0f} % ({v['n']} decisions)" for k, v in learnt] or [
        f"  none yet (a kind, region and role needs {MIN_AMOUNT_DECISIONS} accepted or tweaked decisions)"]
    rejected = [(kind, role, st) for kind, roles in summary.get("by_kind_role", {}).items() for role, st in roles.items()
                if st["total"] >= REJECT_MIN_DECISIONS and st["rejected"] / st["total"] >= REJECT_SHARE]  # fmt: skip
    lines.append("left out (you reject them)")
    lines += [f"  {kind.replace('_', '-')} on {role}: rejected {st['rejected']} of {st['total']}"
              for kind, role, st in rejected] or ["  none"]  # fmt: skip
    for dest, v in summary.get("loudness", {}).items():
        if v["n"] >= MIN_LOUDNESS_DECISIONS and abs(v["offset_db"]) >= LOUDNESS_OFFSET_MIN_DB:
            lines.append(f"loudness for {dest}: you finish {abs(v['offset_db']):.1f} dB "
                         f"{'louder' if v['offset_db'] > 0 else 'quieter'} than its target ({v['n']} decisions)")
    lines.append("decisions by kind and role")
    for kind, roles in summary.get("by_kind_role", {}).items():
        for role, st in roles.items():
            lines.append(f"  {kind:<11} {role:<8} {st['accepted']} accepted, {st['tweaked']} tweaked, "
                         f"{st['rejected']} rejected")  # fmt: skip
    return lines
