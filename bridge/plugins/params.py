"""Setting a loaded plugin's parameters exactly (used by the host's workers and by verify)."""

from __future__ import annotations

from typing import Any


def set_parameter(plugin: Any, name: str, value: Any) -> Any:
    """Set a loaded pedalboard plugin's parameter exactly; returns the value it reads back.

    pedalboard's ``setattr`` snaps a float to the grid of its estimated step (raw steps of
    0.001: ZamEQ2's ``frequency_1_hz = 100`` reads back 103.88 Hz, ``200`` → 201.74 Hz),
    which moved a 100 Hz Q 4 band by 4 % and cost 1.9 dB. So a float with a range is set
    through its normalised ``raw_value`` (linear over the range), and kept when it reads
    back closer than the snapped one; a non-linear control falls back to ``setattr``.
    """
    p = plugin.parameters.get(name) if hasattr(plugin.parameters, "get") else None
    lo, hi = getattr(p, "min_value", None), getattr(p, "max_value", None)
    if (p is None or isinstance(value, (bool, str)) or lo is None or hi is None or hi <= lo
            or getattr(p, "type", float) is not float):  # fmt: skip
        setattr(plugin, name, value)
        return getattr(plugin, name)
    v = min(max(float(value), lo), hi)
    setattr(plugin, name, v)
    snapped = float(getattr(plugin, name))
    p.raw_value = (v - lo) / (hi - lo)
    direct = float(getattr(plugin, name))
    if abs(direct - v) > abs(snapped - v):
        setattr(plugin, name, v)
        return snapped
    return direct
