"""Scanning plugin bundles safely: each one is loaded in its own short-lived child process.

Plugin code is foreign code: it can crash the process that loads it, hang in its
initialisation, or print to the terminal. So :func:`scan_plugins` never loads a plugin
itself. For every bundle that is new or changed since the last scan it starts a child
process (``multiprocessing``, *spawn* start method: no inherited state, no fork of a
process that may hold threads), which loads the bundle with ``pedalboard.load_plugin``,
describes each plugin in it (:func:`describe_bundle`) and sends the description back. The
child's stdout and stderr go to a log file; when the child crashes (a signal), exits
without answering, or outlives ``timeout_s``, the bundle is recorded as failed with that
reason and the log's last lines, and the scan goes on. A few children run at once
(``jobs``).

A bundle whose fingerprint (its mtime, the newest mtime inside it, and its size; see
:class:`~.records.Fingerprint`) matches the index's is not loaded again: its entry is
reused as it is, and no child is started for it.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .discovery import bundle_format, bundle_vendor, find_bundles, plugin_folders
from .index import PluginIndex, default_index_path, load_index, save_index
from .records import META_PARAMETERS, BundleEntry, Fingerprint, ParameterInfo, PluginInfo

#: Seconds a child may take over one bundle before it is killed. Generous on purpose:
#: ZamVerb 4.2 spends 45 s of CPU time loading (it reloads its convolution reverb's impulse
#: response thousands of times at pedalboard's 44.1 kHz), more on a busy machine.
DEFAULT_TIMEOUT_S = 120.0
#: Seconds a child may spend on one bundle without using any CPU time before it is taken as
#: hung and killed: a plugin waiting for ever (a lock, a sleep loop, a dialog) costs this,
#: not :data:`DEFAULT_TIMEOUT_S`; one that computes (ZamVerb's 45 s) keeps its time.
DEFAULT_STALL_S = 10.0
#: Sample rate (Hz) and block (samples) of the silent buffer that probes the channel layout.
PROBE_SAMPLE_RATE_HZ = 48000.0
PROBE_BLOCK_SAMPLES = 512
#: The most choice texts kept for one parameter.
MAX_CHOICES = 256

#: ``progress(done, total, running)``: bundles finished, bundles to scan, names in flight.
Progress = Callable[[int, int, Sequence[str]], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanReport:
    """What one scan did.

    ``scanned`` are the bundles a child process was started for (new or changed ones),
    ``reused`` those whose index entry was still valid, ``removed`` the entries dropped
    because their bundle is gone. ``index`` is the whole index as saved to ``index_path``.
    ``duration_s`` is the wall time of the scan, in seconds.
    """

    index: PluginIndex
    index_path: Path
    folders: tuple[str, ...]
    scanned: tuple[str, ...]
    reused: tuple[str, ...]
    removed: tuple[str, ...]
    duration_s: float

    @property
    def children_started(self) -> int:
        return len(self.scanned)

    @property
    def entries(self) -> tuple[BundleEntry, ...]:
        """The entries of the bundles this scan covered (scanned and reused)."""
        covered = set(self.scanned) | set(self.reused)
        return tuple(e for e in self.index.bundles if e.path in covered)

    @property
    def failed(self) -> tuple[BundleEntry, ...]:
        return tuple(e for e in self.entries if not e.ok)

    @property
    def plugins(self) -> tuple[PluginInfo, ...]:
        return tuple(sorted((p for e in self.entries if e.ok for p in e.plugins), key=lambda p: p.name.lower()))


def bundle_fingerprint(path: str | os.PathLike[str]) -> Fingerprint:
    """The bundle's mtime, the newest mtime inside it and its total size (nanoseconds, bytes)."""
    st = os.stat(path)
    newest, size = st.st_mtime_ns, 0
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path, followlinks=True):
            for name, is_file in [(d, False) for d in dirs] + [(f, True) for f in files]:
                try:
                    s = os.stat(os.path.join(root, name))
                except OSError:
                    continue
                newest = max(newest, s.st_mtime_ns)
                size += s.st_size if is_file else 0
    else:
        size = st.st_size
    return Fingerprint(mtime_ns=st.st_mtime_ns, content_mtime_ns=newest, size_bytes=size)


def scan_plugins(
    folders: Iterable[str | os.PathLike[str]] | None = None,
    *,
    index_path: str | os.PathLike[str] | None = None,
    remember: bool = True,
    rescan: bool = False,
    retry_failed: bool = False,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    jobs: int | None = None,
    progress: Progress | None = None,
    describe: Callable[[str], dict[str, Any]] | None = None,
) -> ScanReport:
    """Scan plugin bundles and update the index; returns what was done.

    Parameters
    ----------
    folders : iterable of paths, optional
        Folders (or single bundles) to scan. None: every known folder
        (:func:`~.discovery.plugin_folders`, with the folders users added before), and
        entries whose bundle is gone are dropped from the index. Given: only these, and
        the index keeps everything else; with ``remember`` they join the known folders.
    index_path : path, optional
        The index file (default :func:`~.index.default_index_path`).
    rescan : bool
        Load every bundle again even when its fingerprint has not changed.
    retry_failed : bool
        Load the bundles that failed last time again (a failed bundle is otherwise
        remembered as failed until it changes, so a hanging plugin costs its timeout once).
    timeout_s : float
        Seconds one bundle's child may take before it is killed and the bundle recorded
        as failed.
    jobs : int, optional
        Children running at once (default: the CPU count, between 2 and 8).
    progress : callable, optional
        ``progress(done, total, running_names)`` after each child starts or ends.
    describe : callable, optional
        The function the child runs on a bundle's path (default :func:`describe_bundle`);
        it must be importable by name (spawn pickles it by reference).

    Raises
    ------
    PluginIndexError
        The existing index file cannot be read (a newer schema included), or the new one
        cannot be written. A newer index is left as it is.

    Notes
    -----
    As with every spawn-based use of ``multiprocessing``, a script that calls this must
    guard its entry point with ``if __name__ == "__main__":`` (each child imports the
    main module again). The ``secondear`` command and pytest do.
    """
    started = time.time()
    index_path = Path(index_path) if index_path is not None else default_index_path()
    index = load_index(index_path)
    if folders is None:
        scope = plugin_folders(index.folders)
        given: tuple[Path, ...] = ()
    else:
        given = tuple(Path(os.path.abspath(f)) for f in folders)
        scope = given
    bundles = find_bundles(scope)
    found = {str(b) for b in bundles}

    old = {e.path: e for e in index.bundles}
    if folders is None:
        removed = tuple(p for p in old if p not in found)
    else:
        removed = tuple(p for p in old if p not in found and any(_inside(p, g) for g in given))

    to_scan: list[tuple[str, Fingerprint]] = []
    reused: list[str] = []
    for b in bundles:
        fp = bundle_fingerprint(b)
        prev = old.get(str(b))
        if prev is not None and prev.fingerprint == fp and not rescan and (prev.ok or not retry_failed):
            reused.append(str(b))
        else:
            to_scan.append((str(b), fp))

    results = _run_children(
        [p for p, _ in to_scan], describe=describe or describe_bundle, timeout_s=timeout_s,
        jobs=jobs or max(2, min(8, os.cpu_count() or 2)), progress=progress,
    )  # fmt: skip
    new_entries = {p: _entry(p, fp, results[p]) for p, fp in to_scan}

    kept = [e for p, e in old.items() if p not in removed and p not in new_entries]
    known = list(index.folders)
    if remember and folders is not None:
        known += [str(g) for g in given if str(g) not in known]
    index = PluginIndex(
        folders=tuple(known), bundles=tuple(sorted(kept + list(new_entries.values()), key=lambda e: e.path))
    )
    save_index(index, index_path)
    return ScanReport(
        index=index, index_path=index_path, folders=tuple(str(f) for f in scope),
        scanned=tuple(p for p, _ in to_scan), reused=tuple(reused), removed=removed,
        duration_s=time.time() - started,
    )  # fmt: skip


def _inside(path: str, folder: Path) -> bool:
    try:
        return Path(path) == folder or Path(path).is_relative_to(folder)
    except ValueError:
        return False


def _entry(path: str, fp: Fingerprint, result: dict[str, Any]) -> BundleEntry:
    plugins = tuple(PluginInfo.from_dict(p) for p in result.get("plugins", []))
    errors = result.get("errors", [])
    return BundleEntry(
        path=path, fingerprint=fp, status="ok" if plugins else "failed",
        error="; ".join(errors) if errors else (None if plugins else "the bundle holds no plugin"),
        plugins=plugins, scanned_at=result["finished_at"], scan_s=result["scan_s"],
    )  # fmt: skip


# --- the children ------------------------------------------------------------------------


@dataclass(slots=True)
class _Job:
    path: str
    process: Any
    conn: multiprocessing.connection.Connection
    log: str
    started: float
    result: dict[str, Any] | None = None
    cpu_s: float = -1.0
    busy_at: float = 0.0


def _run_children(paths: Sequence[str], *, describe: Callable[[str], dict[str, Any]], timeout_s: float,
                  jobs: int, progress: Progress | None,
                  stall_s: float = DEFAULT_STALL_S) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Run ``describe`` on each path in its own spawned child; never raises for a bundle."""
    results: dict[str, dict[str, Any]] = {}
    if not paths:
        return results
    ctx = multiprocessing.get_context("spawn")
    pending = list(paths)
    active: list[_Job] = []
    logs = tempfile.mkdtemp(prefix="secondear-scan-")

    def report() -> None:
        if progress is not None:
            progress(len(results), len(paths), [Path(j.path).name for j in active])

    try:
        while pending or active:
            while pending and len(active) < jobs:
                path = pending.pop(0)
                log = os.path.join(logs, f"{len(results) + len(active)}-{Path(path).name}.log")
                parent_conn, child_conn = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child_main, args=(describe, path, child_conn, log),
                                   name=f"secondear-scan {Path(path).name}", daemon=True)  # fmt: skip
                proc.start()
                child_conn.close()  # so that the parent sees EOF when the child dies
                active.append(_Job(path=path, process=proc, conn=parent_conn, log=log, started=time.monotonic()))
                report()
            now = time.monotonic()
            wait_s = max(0.0, min(min(j.started + timeout_s, (j.busy_at or j.started) + stall_s) for j in active) - now)
            multiprocessing.connection.wait([j.conn for j in active] + [j.process.sentinel for j in active],
                                            timeout=min(wait_s, 1.0))  # fmt: skip
            for job in list(active):
                outcome = _collect(job, timeout_s, stall_s)
                if outcome is None:
                    continue
                active.remove(job)
                outcome.setdefault("scan_s", round(time.monotonic() - job.started, 3))
                outcome.setdefault("finished_at", time.time())
                results[job.path] = outcome
                report()
    finally:
        for job in active:  # only on an exception (KeyboardInterrupt): leave nothing behind
            job.process.kill()
            job.process.join(5)
        shutil.rmtree(logs, ignore_errors=True)
    return results


def _cpu_s(pid: int) -> float | None:
    """CPU time (user + system, seconds) the process has used, from /proc; None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _collect(job: _Job, timeout_s: float, stall_s: float = DEFAULT_STALL_S) -> dict[str, Any] | None:
    """The job's outcome when it has one (an answer, a death, a timeout), else None."""
    if job.result is None and job.conn.poll():
        try:
            job.result = job.conn.recv()
        except (EOFError, OSError):
            job.result = None
            if job.process.is_alive():
                job.process.join(5)
            return _died(job)
        except Exception as exc:  # an answer that does not unpickle
            job.process.kill()
            job.process.join(5)
            return {"plugins": [], "errors": [f"the scan's answer could not be read ({type(exc).__name__}: {exc})"]}
    if job.result is not None:
        job.process.join(5)
        if job.process.is_alive():
            job.process.kill()
            job.process.join(5)
        job.conn.close()
        return job.result
    if not job.process.is_alive():
        return _died(job)
    now = time.monotonic()
    cpu = _cpu_s(job.process.pid)
    if cpu is not None and cpu > job.cpu_s + 0.01:  # computing: not hung
        job.cpu_s, job.busy_at = cpu, now
    if cpu is not None and now - (job.busy_at or job.started) > stall_s:
        job.process.kill()
        job.process.join(5)
        job.conn.close()
        return {
            "plugins": [],
            "errors": [
                f"hung: used no CPU for {stall_s:g} s while loading, killed (scan it again with --retry-failed "
                f"if it was waiting for something that is now there)" + _log_tail(job.log)
            ],
        }
    if now - job.started > timeout_s:
        job.process.kill()
        job.process.join(5)
        job.conn.close()
        return {
            "plugins": [],
            "errors": [
                f"timed out: still loading after {timeout_s:g} s, killed (scan it again "
                f"with a longer timeout if it is only slow)" + _log_tail(job.log)
            ],
        }
    return None


def describe_exit(code: int | None, crashed: str, who: str) -> str:
    """Why a child process ended without an answer: ``crashed (SIGABRT)`` or its exit status."""
    if code is not None and code < 0:
        try:
            return f"{crashed} ({signal.Signals(-code).name})"
        except ValueError:
            return f"{crashed} (signal {-code})"
    return f"{who} exited with status {code} without an answer"


def _died(job: _Job) -> dict[str, Any]:
    job.process.join(5)
    job.conn.close()
    code = job.process.exitcode
    how = describe_exit(code, "crashed", "the scanning process")
    tail = _log_tail(job.log)
    if code == 1 and not tail:  # the child died before it ran: most often spawn re-running a script
        tail = (
            "; if a script of yours called scan_plugins, guard its entry point with "
            '`if __name__ == "__main__":` (multiprocessing\'s spawn imports it again)'
        )
    return {"plugins": [], "errors": [how + tail]}


def _log_tail(log: str, lines: int = 4) -> str:
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            text = [ln.strip() for ln in f.read()[-4000:].splitlines() if ln.strip()]
    except OSError:
        return ""
    return f"; it printed: {' | '.join(text[-lines:])}" if text else ""


def _child_main(describe: Callable[[str], dict[str, Any]], path: str,
                conn: multiprocessing.connection.Connection, log: str) -> None:  # fmt: skip
    """In the child: quiet the plugin's printing, describe the bundle, answer, leave at once."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    started = time.monotonic()
    try:
        result = describe(path)
    except BaseException as exc:  # everything is an answer; only a crash is not
        result = {"plugins": [], "errors": [f"{type(exc).__name__}: {_first_lines(str(exc))}"]}
    result["scan_s"] = round(time.monotonic() - started, 3)
    result["finished_at"] = time.time()
    try:
        conn.send(result)
        conn.close()
    finally:
        # Skip interpreter shutdown: plugin destructors can print, hang or crash there.
        os._exit(0)


def _first_lines(text: str, n: int = 6) -> str:
    lines = [ln.rstrip() for ln in text.strip().splitlines() if ln.strip()]
    return " / ".join(lines[:n]) + (" / …" if len(lines) > n else "")


# --- what the child does ----------------------------------------------------------------


def describe_bundle(path: str) -> dict[str, Any]:
    """Load every plugin in a bundle and describe it (runs in the child process).

    Returns ``{"plugins": [PluginInfo.to_dict(), …], "errors": ["why one failed", …]}``.
    Raises ``ImportError`` when the bundle cannot be opened at all.
    """
    import pedalboard

    fmt = bundle_format(path)
    cls = pedalboard.VST3Plugin if fmt == "VST3" else pedalboard.AudioUnitPlugin
    names = list(cls.get_plugin_names_for_file(path))
    plugins, errors = [], []
    for name in names:
        try:
            plugin = pedalboard.load_plugin(path, plugin_name=name if len(names) > 1 else None)
            plugins.append(describe_plugin(plugin, path=path, fmt=fmt).to_dict())
        except Exception as exc:
            errors.append(f"{name}: {type(exc).__name__}: {_first_lines(str(exc))}")
    if not names:
        errors.append("the bundle holds no plugin")
    return {"plugins": plugins, "errors": errors}


def describe_plugin(plugin: Any, *, path: str, fmt: str) -> PluginInfo:
    """Describe a loaded pedalboard plugin: identity, parameters, channel layout, latency.

    Parameters are read first (their values then are the defaults); then a silent
    2-channel buffer, or a 1-channel one when the plugin refuses 2, finds the main bus
    layout and prepares the plugin, after which its reported latency is read.
    """
    import numpy as np

    params = tuple(_describe_parameter(plugin, name, p) for name, p in plugin.parameters.items())
    num_channels, notes = None, []
    for n in (2, 1):
        try:
            plugin.process(np.zeros((n, PROBE_BLOCK_SAMPLES), np.float32), PROBE_SAMPLE_RATE_HZ,
                           buffer_size=PROBE_BLOCK_SAMPLES)  # fmt: skip
            num_channels = n
            break
        except Exception as exc:
            notes.append(f"{n}-channel buffer refused: {_first_lines(str(exc), 2)}")
    vendor, source = (_str(getattr(plugin, "manufacturer_name", None)), "plugin")
    if not vendor:
        vendor = bundle_vendor(path, _str(plugin.name))
        source = ("Info.plist" if fmt == "AU" else "moduleinfo.json") if vendor else None
    return PluginInfo(
        name=str(plugin.name), vendor=vendor, vendor_source=source,
        identifier=str(getattr(plugin, "identifier", "") or f"{fmt}-{plugin.name}"), format=fmt,
        path=os.path.abspath(path), version=_str(getattr(plugin, "version", None)),
        category=_str(getattr(plugin, "category", None)),
        is_instrument=bool(getattr(plugin, "is_instrument", False)), num_channels=num_channels,
        channel_note="; ".join(notes) if num_channels != 2 and notes else None,
        latency_samples=int(getattr(plugin, "reported_latency_samples", 0) or 0),
        latency_sample_rate_hz=PROBE_SAMPLE_RATE_HZ, parameters=params,
    )  # fmt: skip


def _describe_parameter(plugin: Any, name: str, p: Any) -> ParameterInfo:
    ptype = getattr(p, "type", float)
    kind = "choice" if ptype is str else "bool" if ptype is bool else "float"
    try:
        value = getattr(plugin, name)
        default: float | bool | str | None = (
            str(value) if kind == "choice" else bool(value) if kind == "bool" else float(value)
        )
    except Exception:
        default = None
    choices: tuple[str, ...] = ()
    if kind == "choice":
        choices = tuple(str(v) for v in (getattr(p, "valid_values", None) or ())[:MAX_CHOICES])
    return ParameterInfo(
        name=name, display_name=str(getattr(p, "name", name)), kind=kind,
        units=_str(getattr(p, "units", None) or getattr(p, "label", None)),
        min_value=_num(getattr(p, "min_value", None)), max_value=_num(getattr(p, "max_value", None)),
        step=_num(getattr(p, "step_size", None)), approx_step=_num(getattr(p, "approximate_step_size", None)),
        default=_clean(default), default_raw=_num(_safe(p, "default_raw_value")), choices=choices,
        automatable=bool(_safe(p, "is_automatable", True)), meta=name in META_PARAMETERS,
    )  # fmt: skip


def _safe(obj: Any, attr: str, fallback: Any = None) -> Any:
    try:
        return getattr(obj, attr)
    except Exception:
        return fallback


def _str(x: Any) -> str | None:
    s = "" if x is None else str(x).strip()
    return s or None


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def _clean(v: float | bool | str | None) -> float | bool | str | None:
    return _num(v) if isinstance(v, float) else v
