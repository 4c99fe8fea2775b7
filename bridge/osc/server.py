"""The bridge's OSC transport: a UDP loop that decodes, queues, and sends back the replies.

The application side (what each address does) is a handler, :mod:`bridge.osc.dispatch`;
this module only moves datagrams, as python-osc splits its server from its dispatcher.
One receive thread reads datagrams, drops what is not allowed or too large, decodes (pure,
cheap: :mod:`bridge.osc.codec`), answers decoding problems with ``/secondear/error``, and
puts events on two bounded queues — a quick one (ping, select) and an ordered one (analyze,
intent, accept, reject, so an accept sent after an analyze is judged against that analysis)
— served by one worker thread each, so a long analysis never delays a ping. A full queue
drops the event and counts it: a flood costs at most the queues' size in memory. Replies go
to the sender's address and port (or the port that sender, by its address and port, named with
``/secondear/reply_to``: one client never redirects another's replies).

python-osc's ``ThreadingOSCUDPServer`` is not used: it starts a thread per datagram, which a
flood turns into tens of thousands of threads, and its dispatcher swallows parse errors.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import queue
import socket
import threading
import time
from collections.abc import Iterable, Sequence

from ..errors import BridgeError
from . import codec
from .codec import DEFAULT_PORT, Accept, Analyze, BadMessage, Intent, Reject, Reply, ReplyTo, address_of
from .dispatch import BridgeSession, Handler

log = logging.getLogger(__name__)


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
        ``handler(event) -> iterable of Reply`` (:mod:`bridge.osc.dispatch`); a
        :class:`~bridge.osc.dispatch.BridgeSession` by default.
    host, port : str, int
        Where to listen; 127.0.0.1 by default, port 0 picks a free port (see :attr:`address`).
    allow : sequence of str
        Sender addresses or networks (``192.168.1.20``, ``192.168.1.0/24``) whose datagrams
        are read; others are dropped and counted. Required when ``host`` is not loopback.
    max_datagram_bytes, max_bundle_elements : int
        Larger datagrams and bundles are dropped and counted.
    quick_queue_size, slow_queue_size : int
        Bounds of the two work queues; an event that finds its queue full is dropped.
    reply_port : int, optional
        Send every reply to this port on the sender's host, unless the sender named its own
        with ``/secondear/reply_to``: for tools that send each message from a new port
        (liblo's ``oscsend``). Set by whoever runs the server, never by a client.
    """

    def __init__(
        self, handler: Handler | None = None, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
        allow: Sequence[str] = (), max_datagram_bytes: int = codec.MAX_DATAGRAM_BYTES,
        max_bundle_elements: int = codec.MAX_BUNDLE_ELEMENTS, quick_queue_size: int = 1024,
        slow_queue_size: int = 64, reply_port: int | None = None,
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
        self._reply_ports: dict[tuple[str, int], int] = {}
        self._reply_port = int(reply_port) if reply_port else None
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
        stopping = getattr(self.handler, "stopping", None)
        if stopping is not None:  # a handler's own stop (BridgeSession's analysis process)
            stopping.clear()
        self._threads = [
            threading.Thread(target=self._receive_loop, name="secondear-osc-recv", daemon=True),
            threading.Thread(target=self._work_loop, args=(self._quick,), name="secondear-osc-quick", daemon=True),
            threading.Thread(target=self._work_loop, args=(self._slow,), name="secondear-osc-slow", daemon=True),
        ]
        _LIBRARY_LOG_LIMIT.attach()
        for t in self._threads:
            t.start()
        log.info("listening on %s:%d", *self.address)
        return self

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the threads. A handler with a ``stopping`` event (:class:`BridgeSession`) is told
        too: its analysis under way is killed at once; another handler's is waited for up
        to ``timeout_s``."""
        self._stop.set()
        stopping = getattr(self.handler, "stopping", None)
        if stopping is not None:
            stopping.set()
        deadline = time.monotonic() + timeout_s
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():
                log.warning("%s did not stop within %.1f s", t.name, timeout_s)
        self._threads = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            _LIBRARY_LOG_LIMIT.detach()

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
                self._set_reply_port(sender, event.port)
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

    def _set_reply_port(self, sender: tuple[str, int], port: int) -> None:
        """Later replies to ``sender`` (its address and port: one client, not every client on
        its host) go to ``port``; 0 sends them back where they went before: the server's
        ``reply_port`` if it has one, else the sender's own port."""
        key = (sender[0], sender[1])
        with self._counts_lock:
            if port == 0:
                self._reply_ports.pop(key, None)
            elif key in self._reply_ports or len(self._reply_ports) < 256:
                self._reply_ports[key] = port

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
                replies = (codec.error(address_of(event), f"internal error: {type(exc).__name__}: {exc}"),)
            self._count("handled")
            self._send(replies, sender)

    def _send(self, replies: Iterable[Reply], sender: tuple[str, int]) -> None:
        sock = self._sock
        if sock is None:
            return
        with self._counts_lock:
            port = self._reply_ports.get((sender[0], sender[1]), self._reply_port or sender[1])
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


class _LibraryLogLimit(logging.Filter):
    """python-osc logs on the root logger (``logging.warning``), once per skipped argument or
    bundle element: a filter on the root logger lets one such line per kind (its text up to
    the first colon) and per second through, and counts the rest into the next line."""

    def __init__(self) -> None:
        super().__init__("secondear-osc-library-limit")
        self._lock = threading.Lock()
        self._users = 0
        self._last: dict[str, float] = {}
        self._hidden: dict[str, int] = {}

    def attach(self) -> None:
        with self._lock:
            self._users += 1
            if self._users == 1:
                logging.getLogger().addFilter(self)

    def detach(self) -> None:
        with self._lock:
            self._users = max(0, self._users - 1)
            if self._users == 0:
                logging.getLogger().removeFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        if "pythonosc" not in record.pathname.replace("\\", "/"):
            return True
        kind = str(record.msg).split(":", 1)[0][:80]
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(kind, -math.inf) < 1.0:
                self._hidden[kind] = self._hidden.get(kind, 0) + 1
                return False
            self._last[kind] = now
            hidden = self._hidden.pop(kind, 0)
        if hidden:
            record.msg = f"{record.getMessage()} (and {hidden} more since the last report)"
            record.args = ()
        return True


_LIBRARY_LOG_LIMIT = _LibraryLogLimit()


_COUNTERS = (
    "received", "handled", "replies_sent", "malformed", "oversized", "oversized_bundle",
    "unknown_address", "bad_arguments", "dropped_sender", "dropped_quick_queue_full",
    "dropped_slow_queue_full", "handler_errors", "internal_errors", "receive_errors", "send_errors",
)  # fmt: skip
