"""The bridge's own OSC server: a UDP loop that decodes, queues and answers.

Two parts that do not know each other:

* :class:`BridgeSession` is the decision logic: it takes one decoded event
  (:mod:`bridge.osc.codec`) and returns the replies. It holds the measured tracks, the
  selected track and the list of accepted/rejected suggestions. No sockets.
* :class:`BridgeServer` is the network: one receive thread reads datagrams, drops what is
  not allowed or too large, decodes (pure, cheap), answers decoding problems with
  ``/secondear/error``, and puts events on two bounded queues — a quick one (ping, select)
  and an ordered one (analyze, intent, accept, reject, so an accept sent after an analyze
  is judged against that analysis) — served by one worker thread each, so a long analysis
  never delays a ping. A full queue drops the event and counts it: a flood
  costs at most the queues' size in memory. Replies go to the sender's address and port (or
  the port it named with ``/secondear/reply_to``).

python-osc's ``ThreadingOSCUDPServer`` is not used: it starts a thread per datagram, which a
flood turns into tens of thousands of threads, and its dispatcher swallows parse errors.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import queue
import socket
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..errors import AudioReadError, BridgeError
from . import codec
from .codec import Accept, Analyze, BadMessage, Event, Intent, Ping, Reject, Reply, ReplyTo, Select

log = logging.getLogger(__name__)

#: Audio files larger than this are refused before they are opened (bytes): 2 GiB.
MAX_AUDIO_BYTES = 2 * 1024**3
#: Decisions kept (the oldest are forgotten first).
MAX_DECISIONS = 10_000
#: Tracks kept in memory (the least recently analyzed are forgotten first).
MAX_TRACKS = 256

Handler = Callable[[Event], Iterable[Reply]]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("secondear")
    except Exception:  # not installed: running from a checkout
        return "0+unknown"


# ================================================================ decision logic


@dataclass(frozen=True, slots=True, kw_only=True)
class _Track:
    path: str
    context: object  # analyzers.context.Context
    analysis: object  # analyzers.Analysis
    advice: object  # analyzers.suggest.Advice


class EventHandler:
    """The address space's dispatch: one method per request, problems as ``/secondear/error``.

    Subclasses answer ``analyze``, ``select``, ``intent`` and ``decide`` (accept and reject);
    :class:`BridgeSession` keeps the tracks itself, the panel's handler
    (``ui/panel/listener.py``) acts on the panel. ``version`` is sent in ``/secondear/pong``.
    """

    version: str = "0+unknown"

    def __call__(self, event: Event) -> Iterable[Reply]:
        """The replies to ``event``; problems the engineer can fix become ``/secondear/error``."""
        address = address_of(event)
        try:
            if isinstance(event, Ping):
                return (codec.pong(self.version),)
            if isinstance(event, Analyze):
                return self.analyze(event)
            if isinstance(event, Select):
                self.select(event)
                return (codec.ok(event.track),)
            if isinstance(event, Intent):
                return self.intent(event)
            if isinstance(event, (Accept, Reject)):
                self.decide(event)
                return (codec.ok(event.suggestion_id),)
            if isinstance(event, BadMessage):
                return (codec.error(event.address, event.message),)
        except (BridgeError, ValueError) as exc:  # AudioReadError, ParameterError, UnknownNameError
            return (codec.error(address, str(exc)),)
        return (codec.error(address, f"{type(event).__name__} is not handled here"),)

    def analyze(self, event: Analyze) -> Iterable[Reply]:
        raise NotImplementedError

    def select(self, event: Select) -> None:
        raise NotImplementedError

    def intent(self, event: Intent) -> Iterable[Reply]:
        raise NotImplementedError

    def decide(self, event: Accept | Reject) -> None:
        raise NotImplementedError


class BridgeSession(EventHandler):
    """Turns events into replies. Thread-safe: the server calls it from two workers.

    Parameters
    ----------
    version : str
        Sent in ``/secondear/pong``.
    max_audio_bytes : int
        Files larger than this are not opened.
    measure : callable, optional
        ``measure(path) -> Analysis``; :func:`bridge.measure.analyze_file` by default
        (tests inject a fake).
    on_decision : callable, optional
        Called with each :class:`analyzers.suggest.records.Decision` (``secondear daw serve`` appends
        them to the taste log, as the panel does); an exception from it is logged, and the
        decision still stands.
    """

    def __init__(self, *, version: str | None = None, max_audio_bytes: int = MAX_AUDIO_BYTES,
                 measure: Callable[[str], object] | None = None,
                 on_decision: Callable[[object], object] | None = None) -> None:  # fmt: skip
        self.version = version or _version()
        self.max_audio_bytes = int(max_audio_bytes)
        self._measure = measure or _measure_file
        self._on_decision = on_decision
        self._lock = threading.Lock()
        self._tracks: dict[str, _Track] = {}
        self._selected: str | None = None
        self._decisions: deque[tuple[str, object]] = deque(maxlen=MAX_DECISIONS)

    # -- reading state
    @property
    def selected(self) -> str | None:
        with self._lock:
            return self._selected

    def decisions(self) -> tuple[tuple[str, object], ...]:
        """``(track, analyzers.suggest.records.Decision)`` pairs, oldest first (the last 10 000)."""
        with self._lock:
            return tuple(self._decisions)

    # -- the requests
    def select(self, event: Select) -> None:
        with self._lock:
            self._selected = event.track

    def analyze(self, event: Analyze) -> tuple[Reply, ...]:
        from analyzers.context import make_context
        from analyzers.suggest import suggest

        role = event.role or "mix"
        ctx = make_context(role_name=role)  # an unknown role is reported before any reading
        path = check_audio_path(event.path, max_bytes=self.max_audio_bytes)
        analysis = self._measure(path)
        advice = suggest(analysis, ctx)
        with self._lock:
            self._tracks.pop(event.track, None)
            self._tracks[event.track] = _Track(path=path, context=ctx, analysis=analysis, advice=advice)
            while len(self._tracks) > MAX_TRACKS:
                self._tracks.pop(next(iter(self._tracks)))
            self._selected = event.track
        return _advice_replies(event.track, analysis, advice)

    def intent(self, event: Intent) -> tuple[Reply, ...]:
        from analyzers.context import make_context
        from analyzers.suggest import suggest

        with self._lock:
            name = self._selected
            track = self._tracks.get(name) if name is not None else None
        if track is None:
            raise BridgeError(
                "no analyzed track is selected: send /secondear/analyze <track> <path> first"
                if name is None else f"track {name!r} is selected but not analyzed: send /secondear/analyze first"
            )  # fmt: skip
        ctx = make_context(role_name=track.context.role.name, intent=event.text)
        advice = suggest(track.analysis, ctx)
        with self._lock:
            if self._tracks.get(name) is track:
                self._tracks[name] = _Track(path=track.path, context=ctx, analysis=track.analysis, advice=advice)
        return _advice_replies(name, track.analysis, advice)

    def decide(self, event: Accept | Reject) -> None:
        from analyzers.suggest.records import Decision

        verdict = "accepted" if isinstance(event, Accept) else "rejected"
        with self._lock:
            name = self._selected
            track = self._tracks.get(name) if name is not None else None
            if track is None:
                raise BridgeError(f"nothing to {verdict[:-2]}: no analyzed track is selected")
            found = [s for s in track.advice.suggestions if s.id == event.suggestion_id]
            if not found:
                ids = [s.id for s in track.advice.suggestions]
                raise BridgeError(f"track {name!r} has no suggestion {event.suggestion_id!r}; "
                                  f"its suggestions: {', '.join(ids) or 'none'}")  # fmt: skip
            decision = Decision.of(found[0], verdict, context=track.context)
            self._decisions.append((name, decision))
        if self._on_decision is not None:
            try:
                self._on_decision(decision)
            except Exception as exc:  # noqa: BLE001 - the taste log failing must not lose the verdict
                log.warning("decision on %s not kept: %s", event.suggestion_id, exc)


_ADDRESS_OF = {
    Ping: "/secondear/ping", Analyze: "/secondear/analyze", Select: "/secondear/select",
    Intent: "/secondear/intent", Accept: "/secondear/accept", Reject: "/secondear/reject",
    ReplyTo: "/secondear/reply_to",
}  # fmt: skip


def address_of(event: Event) -> str:
    """The OSC address an event came in on (for error replies)."""
    return _ADDRESS_OF.get(type(event), "")


def _advice_replies(track: str, analysis, advice) -> tuple[Reply, ...]:
    out = [codec.summary(track, analysis.loudness.integrated_lufs, analysis.levels.true_peak_dbtp,
                         len(advice.suggestions))]  # fmt: skip
    for s in advice.suggestions:
        out.append(codec.suggestion(track, s.id, s.move.kind, s.why))
    return tuple(out)


def check_audio_path(path: str, *, max_bytes: int = MAX_AUDIO_BYTES) -> str:
    """``path`` made absolute, once it is known to be a regular file of at most ``max_bytes``.

    A path received over OSC is only ever opened as audio by the decoder: never executed,
    never loaded as a library, never followed into a folder or a device.

    Raises
    ------
    AudioReadError
        Relative, missing, not a regular file (a folder, a FIFO, a device), or too large.
    """
    if "\x00" in path:
        raise AudioReadError("the path holds a NUL character")
    if not os.path.isabs(path):
        raise AudioReadError(f"{path}: give an absolute path (the bridge has no meaningful working folder)")
    try:
        st = os.stat(path)
    except OSError as exc:
        raise AudioReadError(f"{path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise AudioReadError(f"{path}: not a regular file")
    if st.st_size > max_bytes:
        raise AudioReadError(f"{path}: {st.st_size} bytes is over the {max_bytes}-byte limit for audio sent over OSC")
    return os.path.realpath(path)


def _measure_file(path: str):
    from ..measure import analyze_file

    return analyze_file(path)[1]


# ================================================================ network


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class BridgeServer:
    """The UDP server; a context manager (``start`` on enter, ``close`` on exit).

    Parameters
    ----------
    handler : callable
        ``handler(event) -> iterable of Reply``; a :class:`BridgeSession` by default.
    host, port : str, int
        Where to listen; 127.0.0.1 by default, port 0 picks a free port (see :attr:`address`).
    allow : sequence of str
        Sender addresses or networks (``192.168.1.20``, ``192.168.1.0/24``) whose datagrams
        are read; others are dropped and counted. Required when ``host`` is not loopback.
    max_datagram_bytes, max_bundle_elements : int
        Larger datagrams and bundles are dropped and counted.
    quick_queue_size, slow_queue_size : int
        Bounds of the two work queues; an event that finds its queue full is dropped.
    """

    def __init__(
        self, handler: Handler | None = None, *, host: str = "127.0.0.1", port: int = 9000,
        allow: Sequence[str] = (), max_datagram_bytes: int = codec.MAX_DATAGRAM_BYTES,
        max_bundle_elements: int = codec.MAX_BUNDLE_ELEMENTS, quick_queue_size: int = 1024,
        slow_queue_size: int = 64,
    ) -> None:  # fmt: skip
        if not _is_loopback(host) and not allow:
            raise ValueError(
                f"binding to {host} exposes the bridge beyond this computer: give the sender "
                "addresses allowed to talk to it (--allow ADDR …), or bind to 127.0.0.1"
            )
        try:
            self._allow = tuple(ipaddress.ip_network(a, strict=False) for a in allow)
        except ValueError as exc:
            raise ValueError(f"--allow: {exc}") from exc
        self.handler: Handler = handler if handler is not None else BridgeSession()
        self._host, self._port = host, int(port)
        self.max_datagram_bytes = int(max_datagram_bytes)
        self.max_bundle_elements = int(max_bundle_elements)
        self._quick: queue.Queue = queue.Queue(maxsize=quick_queue_size)
        self._slow: queue.Queue = queue.Queue(maxsize=slow_queue_size)
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._reply_ports: dict[str, int] = {}
        self._counts_lock = threading.Lock()
        self._counts = dict.fromkeys(_COUNTERS, 0)
        self._high_water = {"quick": 0, "slow": 0}
        self._last_log: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    # -- lifecycle
    @property
    def address(self) -> tuple[str, int]:
        """(host, port) actually bound."""
        if self._sock is None:
            return (self._host, self._port)
        return self._sock.getsockname()[:2]

    def start(self) -> BridgeServer:
        if self._sock is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            sock.bind((self._host, self._port))
        except OSError as exc:
            sock.close()
            raise BridgeError(f"cannot listen on {self._host}:{self._port}: {exc.strerror or exc}") from exc
        sock.settimeout(0.1)
        self._sock = sock
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._receive_loop, name="secondear-osc-recv", daemon=True),
            threading.Thread(target=self._work_loop, args=(self._quick,), name="secondear-osc-quick", daemon=True),
            threading.Thread(target=self._work_loop, args=(self._slow,), name="secondear-osc-slow", daemon=True),
        ]
        for t in self._threads:
            t.start()
        log.info("listening on %s:%d", *self.address)
        return self

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the threads (an analysis under way is waited for up to ``timeout_s``)."""
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():
                log.warning("%s did not stop within %.1f s", t.name, timeout_s)
        self._threads = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> BridgeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- counters
    def stats(self) -> dict[str, int]:
        """Counters since start, plus the queues' current depth and high-water marks."""
        with self._counts_lock:
            out = dict(self._counts)
            out["quick_queue_high_water"] = self._high_water["quick"]
            out["slow_queue_high_water"] = self._high_water["slow"]
        out["quick_queue_depth"] = self._quick.qsize()
        out["slow_queue_depth"] = self._slow.qsize()
        return out

    def _count(self, key: str, n: int = 1) -> None:
        with self._counts_lock:
            self._counts[key] += n

    def _problem(self, key: str, message: str, *args) -> None:
        """Count a problem and log it; at most one line per kind per second (the rest are counted)."""
        self._count(key)
        now = time.monotonic()
        with self._counts_lock:
            last = self._last_log.get(key, -math.inf)
            if now - last < 1.0:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return
            self._last_log[key] = now
            hidden = self._suppressed.pop(key, 0)
        log.warning(message + (f" (and {hidden} more {key} since the last report)" if hidden else ""), *args)

    # -- threads
    def _receive_loop(self) -> None:
        sock = self._sock
        assert sock is not None
        while not self._stop.is_set():
            try:
                data, sender = sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError as exc:
                if self._stop.is_set():
                    return
                self._problem("receive_errors", "receive failed: %s", exc)
                continue
            self._count("received")
            try:
                self._on_datagram(data, sender)
            except Exception:  # a bug: never let it kill the receive thread
                self._count("internal_errors")
                log.exception("internal error while handling a datagram from %s:%d", *sender)

    def _on_datagram(self, data: bytes, sender: tuple[str, int]) -> None:
        host = sender[0]
        if self._allow and not any(ipaddress.ip_address(host) in net for net in self._allow):
            self._problem("dropped_sender", "dropped a datagram from %s:%d: not in the allow-list", *sender)
            return
        try:
            events = codec.decode_datagram(data, max_bytes=self.max_datagram_bytes,
                                           max_bundle_elements=self.max_bundle_elements)  # fmt: skip
        except codec.MalformedPacketError as exc:
            self._problem(exc.reason, "dropped a datagram from %s:%d: %s", host, sender[1], exc)
            return
        for event in events:
            if isinstance(event, BadMessage):
                self._problem(event.reason, "%s from %s:%d: %s", event.address, host, sender[1], event.message)
                self._send((codec.error(event.address, event.message),), sender)
            elif isinstance(event, ReplyTo):
                self._set_reply_port(host, event.port)
                self._send((codec.ok("reply_to"),), sender)
            else:
                slow = isinstance(event, (Analyze, Intent, Accept, Reject))
                q, name = (self._slow, "slow") if slow else (self._quick, "quick")
                try:
                    q.put_nowait((event, sender))
                except queue.Full:
                    self._problem(f"dropped_{name}_queue_full", "dropped %s from %s:%d: the %s queue is full",
                                  type(event).__name__, host, sender[1], name)  # fmt: skip
                    continue
                depth = q.qsize()
                with self._counts_lock:
                    if depth > self._high_water[name]:
                        self._high_water[name] = depth

    def _set_reply_port(self, host: str, port: int) -> None:
        with self._counts_lock:
            if port == 0:
                self._reply_ports.pop(host, None)
            elif host in self._reply_ports or len(self._reply_ports) < 256:
                self._reply_ports[host] = port

    def _work_loop(self, q: queue.Queue) -> None:
        while not self._stop.is_set():
            try:
                event, sender = q.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                replies = tuple(self.handler(event))
            except Exception as exc:  # a bug in the handler: answer, count, log loudly
                self._count("handler_errors")
                log.exception("handler failed on %r", event)
                replies = (codec.error(_ADDRESS_OF.get(type(event), ""), f"internal error: {type(exc).__name__}: {exc}"),)
            self._count("handled")
            self._send(replies, sender)

    def _send(self, replies: Iterable[Reply], sender: tuple[str, int]) -> None:
        sock = self._sock
        if sock is None:
            return
        with self._counts_lock:
            port = self._reply_ports.get(sender[0], sender[1])
        target = (sender[0], port)
        for reply in replies:
            try:
                data = codec.encode_reply(reply)
                if len(data) > 65000:  # a very long "why": cut the text rather than fail to send
                    args = tuple(a[:2000] if isinstance(a, str) else a for a in reply.args)
                    data = codec.encode_reply(Reply(address=reply.address, args=args))
                sock.sendto(data, target)
                self._count("replies_sent")
            except OSError as exc:
                self._problem("send_errors", "reply %s to %s:%d failed: %s", reply.address, *target, exc)


_COUNTERS = (
    "received", "handled", "replies_sent", "malformed", "oversized", "oversized_bundle",
    "unknown_address", "bad_arguments", "dropped_sender", "dropped_quick_queue_full",
    "dropped_slow_queue_full", "handler_errors", "internal_errors", "receive_errors", "send_errors",
)  # fmt: skip
