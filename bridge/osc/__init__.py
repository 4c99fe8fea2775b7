"""The bridge's own OSC server: ``codec`` (pure: bytes ↔ events and replies) and ``server``
(the UDP loop, :class:`BridgeServer`, and the decision logic, :class:`BridgeSession`; its
decisions are :class:`analyzers.suggest.records.Decision` records, the taste log's)."""

from .codec import ADDRESSES, MalformedPacketError, Reply, decode_datagram, encode_reply
from .server import BridgeServer, BridgeSession

__all__ = ["ADDRESSES", "BridgeServer", "BridgeSession", "MalformedPacketError", "Reply",
           "decode_datagram", "encode_reply"]
