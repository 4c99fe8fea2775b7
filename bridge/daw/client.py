"""A DAW's OSC surface, driven through a profile (:mod:`bridge.daw.profile`).

A profile maps the same verbs onto each DAW's own OSC: ``list_tracks``, ``select``,
``set_gain`` / ``get_gain``, ``list_plugins``, ``plugin_parameters``,
``set_plugin_parameter``, ``bypass_on`` / ``bypass_off``. Each verb has an ``address`` and
``args`` where ``{track}``, ``{plugin}``, ``{param}``, ``{db}``, ``{gain}`` and ``{value}`` are
filled in (in the address too); verbs a DAW answers carry a ``reply`` with the address the
answer comes on and the ``parser`` that reads it (the parsers are below). A verb marked
``unsupported`` says why (e.g. REAPER only sends feedback, it has no request messages).

Numbers the caller gives are the DAW's display numbers, 1-based (track 1 is the first
track, plugin 1 the first plugin, parameter 1 the first parameter); the profile's
``indexing`` turns them into the DAW's own (AbletonOSC counts from 0).

Messages are encoded and decoded with python-osc and sent from the reply socket (bound to
127.0.0.1 by default), so a DAW that answers to the sender's port (Ardour with
``address-only="0"``) answers there. A request that gets no answer is sent again with
back-off until ``timeout_s`` is spent, then :class:`~bridge.errors.DawLinkError` says so;
nothing waits longer than ``timeout_s``. Malformed datagrams are counted
(:attr:`DawClient.malformed`) and ignored.

Feedback the DAW sends unasked (selection changes, meters) is read with
:meth:`DawClient.listen`, which yields each decoded :class:`DawMessage` for a bounded time.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from ..errors import DawLinkError
from .profile import PARSERS, DawProfileError, gain_from_daw, gain_to_daw, load_profile

_INT_FIELDS = {"track", "plugin", "param"}


# --- parameter names ---------------------------------------------------------------------------

_UNIT_SUFFIX = re.compile(r"(db|ms|hz|khz|s|pct|percent|oct)$")


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def match_parameter(name: str, params: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The DAW parameter (from a descriptor) that a map's parameter ``name`` means.

    ``threshold_db`` (pedalboard's identifier, as in the plugin maps) matches Ardour's label
    ``Threshold``: same letters and digits, else the same without a unit suffix. Output
    (non-input) parameters are not matched when the DAW says which are inputs.
    """
    cands = [p for p in params if p.get("input", True)]
    k = _key(name)
    for p in cands:
        if _key(p["name"]) == k:
            return p
    bare = _UNIT_SUFFIX.sub("", k.replace("_", ""))
    for p in cands:
        if _key(p["name"]) == bare or _UNIT_SUFFIX.sub("", _key(p["name"])) == bare:
            return p
    return None


# --- the client --------------------------------------------------------------------------------


class DawMessage(NamedTuple):
    """One OSC message from the DAW, decoded: ``address`` and its arguments in order.

    A tuple, so ``for address, args in client.listen(1.0)`` works; the messages of a bundle
    come one by one.
    """

    address: str
    args: tuple[Any, ...]


class DawClient:
    """A DAW's OSC surface through ``profile`` at ``host:port`` (a context manager).

    ``reply_port`` is the local port replies arrive on (0: any free one; None: the profile's
    ``default_reply_port`` when its DAW always answers there, ``fixed_reply_port`` true, as
    AbletonOSC answers on 11001; else any free one). ``timeout_s`` bounds every request, retries included.
    The reply socket binds 127.0.0.1 for a DAW on this machine, else every interface
    (``bind_host`` overrides).
    """

    def __init__(self, profile: str | Path | Mapping[str, Any], host: str = "127.0.0.1", port: int | None = None, *,
                 reply_port: int | None = None, timeout_s: float = 2.0, attempts: int = 3,
                 bind_host: str | None = None) -> None:  # fmt: skip
        self.profile = load_profile(profile)
        self.daw = self.profile.get("daw", "daw")
        self.host = host
        self.port = int(port if port is not None else self.profile.get("default_port", 0))
        if not 0 < self.port < 65536:
            raise DawProfileError(f"no port for {self.daw}: give --port")
        self.timeout_s = float(timeout_s)
        self.attempts = max(1, int(attempts))
        self.malformed = 0
        self.unmatched = 0
        self.sent: list[tuple[str, list[Any]]] = []
        self.round_trips_s: list[float] = []
        self._base = {k: int(v) for k, v in self.profile.get("indexing", {}).items() if k in _INT_FIELDS}
        if reply_port is None:
            reply_port = int(self.profile.get("default_reply_port", 0)) if self.profile.get("fixed_reply_port") else 0
        if bind_host is None:  # loopback for a local DAW; a DAW on another host needs a routable socket
            bind_host = "127.0.0.1" if host in ("127.0.0.1", "localhost") else "0.0.0.0"
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.bind((bind_host, int(reply_port)))
        except OSError as exc:
            self._sock.close()
            raise DawLinkError(f"cannot listen for {self.daw}'s replies on {bind_host}:{reply_port}: {exc}") from exc
        self.reply_port = self._sock.getsockname()[1]
        self._tracks: list[dict[str, Any]] | None = None

    # context manager
    def __enter__(self) -> DawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._sock.close()

    # --- wire ----------------------------------------------------------------------------------

    def _verb(self, verb: str) -> Mapping[str, Any]:
        spec = self.profile["verbs"].get(verb)
        if spec is None or "unsupported" in spec:
            why = spec.get("unsupported") if spec else "the profile has no such verb"
            raise DawProfileError(f"{self.daw} profile cannot {verb.replace('_', ' ')}: {why}")
        return spec

    def supports(self, verb: str) -> bool:
        spec = self.profile["verbs"].get(verb)
        return spec is not None and "unsupported" not in spec

    def _fill(self, spec: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[str, list[Any]]:
        vals = {}
        for k, v in values.items():
            if k in _INT_FIELDS:
                vals[k] = int(v) - 1 + self._base.get(k, 1)
            else:
                vals[k] = v
        address = spec["address"].format(**vals)
        args = []
        for a in spec.get("args", []):
            if isinstance(a, str) and a.startswith("{") and a.endswith("}"):
                v = vals[a[1:-1]]
                args.append(int(v) if a[1:-1] in _INT_FIELDS or isinstance(v, int) else float(v))
            else:
                args.append(a)
        return address, args

    def send_message(self, address: str, args: Iterable[Any] = ()) -> None:
        """Send one OSC message that no profile verb covers (Ardour's ``/set_surface``).

        ``args`` are python-osc values (``int``, ``float``, ``str``, ``bool``…); nothing is
        awaited. Raises :class:`~bridge.errors.DawLinkError` when the datagram cannot be sent.
        """
        self._send(address, args)

    def track_from_daw(self, index: int) -> int:
        """The 1-based display number of the track the DAW calls ``index`` in its own counting
        (AbletonOSC counts from 0, so its 0 is track 1); the inverse of the profile's ``indexing``."""
        return int(index) - self._base.get("track", 1) + 1

    def track_to_daw(self, number: int) -> int:
        """The DAW's own index of the 1-based display track ``number`` (the profile's ``indexing``)."""
        return int(number) - 1 + self._base.get("track", 1)

    def listen(self, timeout_s: float, *, stop: threading.Event | None = None) -> Iterator[DawMessage]:
        """Yield each message that arrives on the reply port within the next ``timeout_s`` seconds.

        Parameters
        ----------
        timeout_s : float >= 0 [s]
            How long to listen. The generator returns once this time has passed (or as soon
            as ``stop`` is set, checked at least every 0.2 s), whether or not anything came;
            it never blocks longer. Call it again to keep listening.
        stop : threading.Event, optional
            Set from another thread (or a signal handler) to end the listening early.

        Yields
        ------
        DawMessage
            ``(address, args)`` of each message, bundles unpacked, in arrival order.
            Datagrams that are not OSC are counted in :attr:`malformed` and skipped.

        Raises
        ------
        DawLinkError
            The reply socket failed (other than the DAW's port refusing an earlier send,
            which is skipped: nothing listens there yet). A client closed while listening
            just ends the iteration.

        Notes
        -----
        :meth:`request` reads the same socket and first discards what is waiting in it, so
        feedback that arrives while a request is under way is not seen here.
        """
        deadline = time.monotonic() + max(0.0, float(timeout_s))
        while stop is None or not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self._sock.fileno() < 0:
                return
            try:
                self._sock.settimeout(min(left, 0.2) if stop is not None else left)
                data = self._sock.recv(65536)
            except (TimeoutError, socket.timeout):
                continue
            except ConnectionRefusedError:  # an ICMP answer to an earlier send; the DAW may start later
                time.sleep(min(max(0.0, left), 0.01))
                continue
            except OSError as exc:
                if self._sock.fileno() < 0:
                    return
                raise DawLinkError(f"listening for {self.daw} on port {self.reply_port} failed: {exc}") from exc
            for address, args in self._decode(data):
                yield DawMessage(address, tuple(args))

    def _send(self, address: str, args: Iterable[Any]) -> None:
        b = OscMessageBuilder(address)
        args = list(args)
        for a in args:
            b.add_arg(a)
        try:
            self._sock.sendto(b.build().dgram, (self.host, self.port))
        except OSError as exc:
            raise DawLinkError(f"cannot send {address} to {self.daw} at {self.host}:{self.port}: {exc}") from exc
        self.sent.append((address, args))

    def _drain(self) -> None:
        self._sock.setblocking(False)
        try:
            while True:
                self._sock.recv(65536)
        except (BlockingIOError, ConnectionRefusedError, OSError):
            pass
        finally:
            self._sock.setblocking(True)

    def _decode(self, data: bytes) -> list[tuple[str, list[Any]]]:
        try:
            if OscBundle.dgram_is_bundle(data):
                out = []
                for item in OscBundle(data):
                    if isinstance(item, OscMessage):
                        out.append((item.address, list(item.params)))
                return out
            if data[:1] not in (b"/", b"#"):
                raise ValueError("not an OSC message")
            m = OscMessage(data)
            return [(m.address, list(m.params))]
        except Exception:  # noqa: BLE001 - any undecodable datagram is counted and ignored
            self.malformed += 1
            return []

    def send_verb(self, verb: str, **values: Any) -> tuple[str, list[Any]]:
        """Send ``verb`` (no reply awaited); returns the address and arguments sent."""
        address, args = self._fill(self._verb(verb), values)
        self._send(address, args)
        return address, args

    def request(self, verb: str, **values: Any) -> Any:
        """Send ``verb`` and parse its reply, with retries and back-off within ``timeout_s``."""
        spec = self._verb(verb)
        reply = spec.get("reply")
        if not reply:
            raise DawProfileError(f"{self.daw} profile: {verb} has no reply")
        address, args = self._fill(spec, values)
        reply_addr = reply["address"].format(**{k: (int(v) - 1 + self._base.get(k, 1) if k in _INT_FIELDS else v)
                                                for k, v in values.items()})  # fmt: skip
        reply_addrs = {reply_addr, "/reply"} if reply_addr == "#reply" else {reply_addr}
        end_addr = reply.get("end_address")
        parser = PARSERS[reply["parser"]]
        # back-off: waits w, 2w, 4w… that add up to timeout_s
        weights = [2**i for i in range(self.attempts)]
        deadline_all = time.monotonic() + self.timeout_s
        refused = False
        tried = 0
        for wgt in weights:
            tried += 1
            self._drain()
            t0 = time.monotonic()
            self._send(address, args)
            wait_until = min(deadline_all, t0 + self.timeout_s * wgt / sum(weights))
            msgs: list[list[Any]] = []
            while True:
                left = wait_until - time.monotonic()
                if left <= 0:
                    break
                self._sock.settimeout(left)
                try:
                    data = self._sock.recv(65536)
                except TimeoutError:
                    break
                except ConnectionRefusedError:
                    refused = True
                    time.sleep(max(0.0, min(left, 0.01)))
                    continue
                for addr, a in self._decode(data):
                    if end_addr and addr == end_addr:
                        msgs.append(["__end__"])
                    elif addr in reply_addrs:
                        msgs.append(a)
                    else:
                        self.unmatched += 1
                        continue
                    try:
                        done, value = parser(msgs, reply)
                    except (TypeError, ValueError, IndexError):
                        self.malformed += 1
                        msgs.pop()
                        continue
                    if done:
                        self.round_trips_s.append(time.monotonic() - t0)
                        return value
            if time.monotonic() >= deadline_all:
                break
        why = ("the port refused it: nothing listens there — is the DAW running with its OSC surface on?"
               if refused else "no answer: is the DAW running, its OSC surface on, the port right?")  # fmt: skip
        raise DawLinkError(f"{self.daw} at {self.host}:{self.port} did not answer {address} after "
                           f"{tried} attempt{'s' if tried > 1 else ''} in {self.timeout_s:g} s ({why})")  # fmt: skip

    # --- verbs ---------------------------------------------------------------------------------

    def list_tracks(self) -> list[dict[str, Any]]:
        """Tracks as ``{"number", "name", …}`` (number 1-based)."""
        tracks = self.request("list_tracks")
        self._tracks = tracks
        return tracks

    def track_number(self, track: int | str) -> int:
        """A track's 1-based number, from a number or a name (exact, then case-insensitive)."""
        if isinstance(track, int) or (isinstance(track, str) and track.strip().isdigit()):
            return int(track)
        tracks = self.list_tracks()
        for exact in (True, False):
            for t in tracks:
                if (t["name"] == track) if exact else (t["name"].casefold() == str(track).casefold()):
                    return int(t["number"])
        names = ", ".join(t["name"] for t in tracks) or "none"
        raise DawProfileError(f"no track named {track!r} in {self.daw}; tracks: {names}")

    def select(self, track: int | str) -> None:
        self.send_verb("select", track=self.track_number(track))

    def set_gain_db(self, track: int | str, gain_db: float) -> None:
        self.send_verb("set_gain", track=self.track_number(track), db=float(gain_db),
                       gain=gain_to_daw(self.profile, float(gain_db)))  # fmt: skip

    def get_gain_db(self, track: int | str) -> float:
        return gain_from_daw(self.profile, self.request("get_gain", track=self.track_number(track)))

    def list_plugins(self, track: int | str) -> list[dict[str, Any]]:
        return self.request("list_plugins", track=self.track_number(track))

    def plugin_number(self, track: int | str, plugin: int | str) -> int:
        if isinstance(plugin, int) or (isinstance(plugin, str) and plugin.strip().isdigit()):
            return int(plugin)
        plugins = self.list_plugins(track)
        for p in plugins:
            if _key(p["name"]) == _key(plugin):
                return int(p["number"])
        raise DawProfileError(f"no plugin {plugin!r} on track {track!r}; there: "
                              f"{', '.join(p['name'] for p in plugins) or 'none'}")  # fmt: skip

    def plugin_parameters(self, track: int | str, plugin: int | str) -> list[dict[str, Any]]:
        t = self.track_number(track)
        return self.request("plugin_parameters", track=t, plugin=self.plugin_number(t, plugin))

    def set_plugin_parameter(self, track: int | str, plugin: int | str, name_or_index: int | str, value: float,
                             *, parameters: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
        """Set one parameter; ``value`` is in the plugin's own units.

        A profile whose DAW takes 0–1 (``plugin_value.unit == "normalised"``) gets the value
        normalised over the parameter's range from the descriptor; without a descriptor the
        value must already be 0–1. Returns what was sent.
        """
        t = self.track_number(track)
        pl = self.plugin_number(t, plugin)
        info: Mapping[str, Any] | None = None
        if isinstance(name_or_index, int) or str(name_or_index).strip().isdigit():
            index = int(name_or_index)
            if parameters:
                info = next((p for p in parameters if p["number"] == index), None)
        else:
            if parameters is None:
                parameters = self.plugin_parameters(t, pl)
            info = match_parameter(str(name_or_index), parameters)
            if info is None:
                raise DawProfileError(f"plugin {plugin!r} on track {track!r} has no parameter {name_or_index!r}; "
                                      f"it has {', '.join(p['name'] for p in parameters if p.get('input', True))}")  # fmt: skip
            index = int(info["number"])
        law = self.profile.get("plugin_value", {})
        v = float(value)
        if law.get("unit") == "normalised":
            if info is not None and "lower" in info and info["upper"] > info["lower"]:
                v = (v - info["lower"]) / (info["upper"] - info["lower"])
            v = min(1.0, max(0.0, v))
            if law.get("scale") == "max_value":
                v = int(round(v * int(self.profile.get("max_value", 127))))
        elif info is not None and "lower" in info:
            v = min(info["upper"], max(info["lower"], v))
        if self._verb("set_plugin_parameter").get("cursor_device") and self.supports("select_plugin"):
            self.send_verb("select", track=t)
            self.send_verb("select_plugin", plugin=pl)
        address, args = self.send_verb("set_plugin_parameter", track=t, plugin=pl, param=index, value=v)
        return {"param": index, "name": info["name"] if info else None, "value": v, "address": address, "args": args}

    def bypass(self, track: int | str, plugin: int | str, on: bool) -> None:
        """Bypass the plugin (``on=True``) or enable it again (``on=False``)."""
        t = self.track_number(track)
        pl = self.plugin_number(t, plugin)
        if self._verb("bypass_on" if on else "bypass_off").get("cursor_device") and self.supports("select_plugin"):
            self.send_verb("select", track=t)
            self.send_verb("select_plugin", plugin=pl)
        self.send_verb("bypass_on" if on else "bypass_off", track=t, plugin=pl)

    def status(self) -> dict[str, Any]:
        """Tracks with their gain, plugins and parameter values, as far as the profile reads them."""
        out: dict[str, Any] = {"daw": self.daw, "host": self.host, "port": self.port, "tracks": []}
        for t in self.list_tracks():
            entry = dict(t)
            if self.supports("get_gain"):
                entry["gain_db"] = self.get_gain_db(t["number"])
            if self.supports("list_plugins"):
                entry["plugins"] = self.list_plugins(t["number"])
                if self.supports("plugin_parameters"):
                    for p in entry["plugins"]:
                        p["parameters"] = self.request("plugin_parameters", track=t["number"], plugin=p["number"])
            out["tracks"].append(entry)
        return out
