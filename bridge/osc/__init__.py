"""The bridge's own OSC server: ``codec`` (pure: bytes ↔ events and replies) and ``server``
(the UDP loop, :class:`BridgeServer`, and the decision logic, :class:`BridgeSession`)."""

from .codec import ADDRESSES, MalformedPacketError, Reply, decode_datagram, encode_reply
from .server import BridgeServer, BridgeSession, Decision

__all__ = ["ADDRESSES", "BridgeServer", "BridgeSession", "Decision", "MalformedPacketError", "Reply",
           "decode_datagram", "encode_reply"]
