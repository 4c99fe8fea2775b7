"""The bridge's own OSC server, in three parts as python-osc splits its own: ``codec`` (pure:
bytes ↔ events and replies), ``dispatch`` (the application side: what each address does;
:class:`BridgeSession` keeps one :class:`bridge.session.Session` per DAW track) and
``server`` (the transport: the UDP socket, the receive loop, the queues, the replies)."""

from .codec import ADDRESSES, DEFAULT_PORT, MalformedPacketError, Reply, decode_datagram, encode_reply
from .dispatch import BridgeSession, EventHandler
from .server import BridgeServer

__all__ = [
    "ADDRESSES",
    "DEFAULT_PORT",
    "BridgeServer",
    "BridgeSession",
    "EventHandler",
    "MalformedPacketError",
    "Reply",
    "decode_datagram",
    "encode_reply",
]
