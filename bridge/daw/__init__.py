"""The link with the engineer's DAW over its own OSC surface: ``profile`` (the JSON profiles
in ``profiles/``, one per DAW, read and checked), ``client`` (:class:`DawClient`: requests,
replies and feedback through a profile), ``push`` (accepted moves onto the DAW's fader and
plugins) and ``follow`` (the DAW's selection as it changes)."""

from .client import DawClient, DawMessage, match_parameter
from .follow import follow_selection
from .profile import PROFILE_NAMES, PROFILES_DIR, DawProfileError, check_profile, load_profile
from .push import chain_moves, push_moves

__all__ = ["PROFILES_DIR", "PROFILE_NAMES", "DawClient", "DawMessage", "DawProfileError", "chain_moves", "check_profile",
           "follow_selection", "load_profile", "match_parameter", "push_moves"]
