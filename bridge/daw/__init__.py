"""The DAW link, client side: profiles (data files in ``profiles/``) and :class:`DawClient`."""

from .client import DawClient, DawProfileError, load_profile, match_parameter, push_moves

__all__ = ["DawClient", "DawProfileError", "load_profile", "match_parameter", "push_moves"]
