"""The bridge's OSC address space: datagram bytes in, typed events out; replies out as bytes.

Pure: no sockets, no threads, no files. :func:`decode_datagram` turns one UDP datagram
(a message or a bundle) into a tuple of frozen events; a message whose address is unknown
or whose arguments have the wrong types becomes a :class:`BadMessage` (so the server can
answer ``/secondear/error`` and count it), and bytes that are not OSC at all raise
:class:`MalformedPacketError`.

Address space (requests → replies)
----------------------------------
``/secondear/ping``                       → ``/secondear/pong <version>``
``/secondear/analyze <track> <path> [role]`` → ``/secondear/summary <track> <integrated_lufs>
<true_peak_dbtp> <n_suggestions>`` then ``/secondear/suggestion <track> <id> <kind> <why>`` each
``/secondear/select <track>``             → ``/secondear/ok <track>``
``/secondear/intent <text>``              → summary and suggestions again, for the selected track
                                           (once a move is accepted, the words are the next turn
                                           of the conversation: "a bit more", "too dark now",
                                           "undo that"; then also ``/secondear/note <track> <text>``
                                           for what the turn said)
``/secondear/accept <id>``, ``/secondear/reject <id>`` → ``/secondear/ok <id>``
``/secondear/reply_to <port>``            → ``/secondear/ok reply_to`` (sent to the new port;
0 sends replies to the sender's own port again)
Any problem                               → ``/secondear/error <address> <message>``

``<track>`` is a string or an integer (a track number, kept as its decimal text); every
other argument is a string, except ``<port>`` (an integer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from ..errors import BridgeError

PREFIX = "/secondear"
#: The UDP port the bridge listens on unless told otherwise (``daw serve``, the panel's
#: listener, the DAW-side scripts in ``scripts/daw/``).
DEFAULT_PORT = 9000

#: Datagrams larger than this are dropped before decoding (bytes).
MAX_DATAGRAM_BYTES = 8192
#: Bundles holding more messages than this (nested bundles included) are dropped whole.
MAX_BUNDLE_ELEMENTS = 64
#: Longest string argument accepted (characters): a path, an intent sentence.
MAX_TEXT_CHARS = 4096


class MalformedPacketError(BridgeError, ValueError):
    """A datagram that is not OSC, is too large, or is a bundle with too many elements."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        #: ``malformed``, ``oversized`` or ``oversized_bundle``: the counter it belongs to.
        self.reason = reason


# ---------------------------------------------------------------- events (requests)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping:
    """``/secondear/ping``: are you there?"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Analyze:
    """``/secondear/analyze <track> <path> [role]``: measure the audio file and suggest."""

    track: str
    path: str
    role: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Select:
    """``/secondear/select <track>``: the engineer is now looking at this track."""

    track: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Intent:
    """``/secondear/intent <text>``: suggest again for the selected track with these words."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Accept:
    """``/secondear/accept <id>``."""

    suggestion_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Reject:
    """``/secondear/reject <id>``."""

    suggestion_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyTo:
    """``/secondear/reply_to <port>``: send replies for this sender (its address and port) to
    ``port`` on its host (0: reset)."""

    port: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BadMessage:
    """A well-formed OSC message the bridge cannot act on.

    ``reason`` is ``unknown_address`` or ``bad_arguments``; ``message`` says what was wrong
    and what was expected.
    """

    address: str
    reason: str
    message: str


Event = Union[Ping, Analyze, Select, Intent, Accept, Reject, ReplyTo, BadMessage]

# ---------------------------------------------------------------- replies


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """One OSC message to send back: an address and its arguments (str, int or float)."""

    address: str
    args: tuple[str | int | float, ...] = ()


def pong(version: str) -> Reply:
    return Reply(address=f"{PREFIX}/pong", args=(version,))


def summary(track: str, integrated_lufs: float | None, true_peak_dbtp: float | None, n_suggestions: int) -> Reply:
    """Loudness figures that cannot be measured (silence, too short) are sent as NaN."""
    return Reply(
        address=f"{PREFIX}/summary",
        args=(track, _float_or_nan(integrated_lufs), _float_or_nan(true_peak_dbtp), int(n_suggestions)),
    )


def suggestion(track: str, suggestion_id: str, kind: str, why: str) -> Reply:
    return Reply(address=f"{PREFIX}/suggestion", args=(track, suggestion_id, kind, why))


def note(track: str, text: str) -> Reply:
    """What a conversation turn says besides its cards ("already there", what it undid)."""
    return Reply(address=f"{PREFIX}/note", args=(track, text))


def ok(what: str) -> Reply:
    return Reply(address=f"{PREFIX}/ok", args=(what,))


def error(address: str, message: str) -> Reply:
    return Reply(address=f"{PREFIX}/error", args=(address, message))


def _float_or_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def encode_reply(reply: Reply) -> bytes:
    """The datagram for ``reply``: ints as ``i``, floats as ``f``, strings as ``s``."""
    builder = OscMessageBuilder(address=reply.address)
    for arg in reply.args:
        if isinstance(arg, bool) or not isinstance(arg, (str, int, float)):
            raise TypeError(f"reply argument {arg!r} of {reply.address} is not str, int or float")
        kind = "s" if isinstance(arg, str) else "i" if isinstance(arg, int) else "f"
        builder.add_arg(arg, kind)
    return builder.build().dgram


# ---------------------------------------------------------------- decoding


def decode_datagram(
    data: bytes, *, max_bytes: int = MAX_DATAGRAM_BYTES, max_bundle_elements: int = MAX_BUNDLE_ELEMENTS
) -> tuple[Event, ...]:
    """Every event in one datagram, in order (a bundle's messages flattened, time tags ignored).

    Raises
    ------
    MalformedPacketError
        The datagram is larger than ``max_bytes``, is not OSC, or is a bundle holding more
        than ``max_bundle_elements`` messages and bundles in all.
    """
    if len(data) > max_bytes:
        raise MalformedPacketError(f"datagram of {len(data)} bytes exceeds the {max_bytes}-byte limit",
                                   reason="oversized")  # fmt: skip
    if not data:
        raise MalformedPacketError("empty datagram", reason="malformed")
    try:
        if data[:8] == _BUNDLE_HEAD:
            messages = _flatten(data, max_bundle_elements)
        elif data[:1] == b"/":
            messages = [_message(data)]
        else:
            raise MalformedPacketError(f"not OSC: starts with {bytes(data[:8])!r}", reason="malformed")
        decoded = [(m.address, list(m.params)) for m in messages]
    except MalformedPacketError:
        raise
    except Exception as exc:  # python-osc raises ParseError, and worse on hostile bytes
        raise MalformedPacketError(f"not OSC: {type(exc).__name__}: {exc}", reason="malformed") from exc
    return tuple(decode_message(address, args) for address, args in decoded)


def _flatten(data: bytes, limit: int) -> list[OscMessage]:
    """The messages of a bundle, nested bundles included, checking every element size.

    Parsed here rather than by ``OscBundle``, which logs and skips an element it cannot
    identify instead of rejecting the bundle; the walk is iterative, so nesting depth costs
    no recursion.
    """
    out: list[OscMessage] = []
    pending = [data]
    seen = 0
    while pending:
        b = pending.pop()
        if len(b) < 16 or b[:8] != _BUNDLE_HEAD:
            raise MalformedPacketError(f"bundle of {len(b)} bytes has no complete header", reason="malformed")
        i = 16  # "#bundle\0" and the 8-byte time tag, which the bridge ignores
        while i < len(b):
            if i + 4 > len(b):
                raise MalformedPacketError("bundle element size is cut off", reason="malformed")
            size = int.from_bytes(b[i : i + 4], "big", signed=True)
            i += 4
            if size <= 0 or size % 4 or i + size > len(b):
                raise MalformedPacketError(f"bundle element size {size} is invalid", reason="malformed")
            seen += 1
            if seen > limit:
                raise MalformedPacketError(f"bundle holds more than {limit} elements", reason="oversized_bundle")
            element = bytes(b[i : i + size])
            i += size
            if element[:8] == _BUNDLE_HEAD:
                pending.append(element)
            elif element[:1] == b"/":
                out.append(_message(element))
            else:
                raise MalformedPacketError(f"bundle element starts with {element[:8]!r}", reason="malformed")
    return out


_BUNDLE_HEAD = b"#bundle\x00"
#: The type tags python-osc reads (OSC 1.0's and the common extensions). Any other one
#: (``c``, ``I``, ``S``…) python-osc skips with a warning on the root logger per argument:
#: a datagram ``,cccc…`` wrote thousands of log lines; it is refused here, counted, and
#: logged once per second at most.
_KNOWN_TAGS = frozenset(b"ifhdsbrmtTFN[]")


def _message(data: bytes) -> OscMessage:
    """Parse one message, refusing type tags python-osc would skip with only a log line."""
    end = data.find(b"\x00")
    tags_at = (end // 4 + 1) * 4 if end >= 0 else len(data)
    if tags_at < len(data):
        tags_end = data.find(b"\x00", tags_at)
        tags = data[tags_at : tags_end if tags_end >= 0 else len(data)]
        if tags[:1] != b"," or any(t not in _KNOWN_TAGS for t in tags[1:]):
            raise MalformedPacketError(f"bad type tag string {bytes(tags[:16])!r}", reason="malformed")
    return OscMessage(data)


def _type_name(value: object) -> str:
    return {str: "string", int: "int", float: "float", bool: "bool", bytes: "blob", list: "array"}.get(
        type(value), type(value).__name__
    )


def decode_message(address: str, args: list | tuple) -> Event:
    """One message's address and arguments as an event (a :class:`BadMessage` when unusable)."""
    spec = _SPECS.get(address)
    if spec is None:
        known = ", ".join(sorted(_SPECS))
        return BadMessage(address=address, reason="unknown_address",
                          message=f"unknown address {address!r}; known: {known}")  # fmt: skip
    usage, build, kinds, optional = spec
    if not (len(kinds) - optional <= len(args) <= len(kinds)):
        return BadMessage(address=address, reason="bad_arguments",
                          message=f"{len(args)} argument(s) given; usage: {usage}")  # fmt: skip
    values = []
    for i, (arg, kind) in enumerate(zip(args, kinds)):
        if kind == "track" and isinstance(arg, int) and not isinstance(arg, bool):
            arg = str(arg)
        want = int if kind == "int" else str
        if type(arg) is not want:
            return BadMessage(address=address, reason="bad_arguments",
                              message=f"argument {i + 1} is {_type_name(arg)} {arg!r:.40}, "
                                      f"expected {'int' if want is int else 'string'}; usage: {usage}")  # fmt: skip
        if want is str:
            if len(arg) > MAX_TEXT_CHARS:
                return BadMessage(address=address, reason="bad_arguments",
                                  message=f"argument {i + 1} is {len(arg)} characters long, over {MAX_TEXT_CHARS}")  # fmt: skip
            if kind != "text" and not arg.strip():
                return BadMessage(address=address, reason="bad_arguments",
                                  message=f"argument {i + 1} is empty; usage: {usage}")  # fmt: skip
        values.append(arg)
    try:
        return build(*values)
    except ValueError as exc:
        return BadMessage(address=address, reason="bad_arguments", message=f"{exc}; usage: {usage}")


def _reply_to(port: int) -> ReplyTo:
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is outside 0…65535")
    return ReplyTo(port=port)


# address → (usage, builder, argument kinds, how many trailing kinds are optional)
_SPECS: dict[str, tuple[str, object, tuple[str, ...], int]] = {
    f"{PREFIX}/ping": (f"{PREFIX}/ping", lambda: Ping(), (), 0),
    f"{PREFIX}/analyze": (
        f"{PREFIX}/analyze <track> <path> [role]",
        lambda track, path, role=None: Analyze(track=track, path=path, role=role),
        ("track", "str", "str"), 1,
    ),
    f"{PREFIX}/select": (f"{PREFIX}/select <track>", lambda track: Select(track=track), ("track",), 0),
    f"{PREFIX}/intent": (f"{PREFIX}/intent <text>", lambda text: Intent(text=text), ("text",), 0),
    f"{PREFIX}/accept": (f"{PREFIX}/accept <id>", lambda i: Accept(suggestion_id=i), ("str",), 0),
    f"{PREFIX}/reject": (f"{PREFIX}/reject <id>", lambda i: Reject(suggestion_id=i), ("str",), 0),
    f"{PREFIX}/reply_to": (f"{PREFIX}/reply_to <port>", _reply_to, ("int",), 0),
}  # fmt: skip

#: The addresses the bridge answers, for documentation and error messages.
ADDRESSES = tuple(sorted(_SPECS))

_ADDRESS_OF: dict[type, str] = {
    Ping: f"{PREFIX}/ping", Analyze: f"{PREFIX}/analyze", Select: f"{PREFIX}/select",
    Intent: f"{PREFIX}/intent", Accept: f"{PREFIX}/accept", Reject: f"{PREFIX}/reject",
    ReplyTo: f"{PREFIX}/reply_to",
}  # fmt: skip


def address_of(event: Event) -> str:
    """The OSC address an event came in on (for error replies); a :class:`BadMessage`'s own."""
    if isinstance(event, BadMessage):
        return event.address
    return _ADDRESS_OF.get(type(event), "")
