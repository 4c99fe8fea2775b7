"""Questions: when a missing piece of context would change the answer most, ask it.

:func:`question` returns at most one :class:`~analyzers.suggest.records.Question`, the one
that matters most, in this order:

1. the role the audio contradicts — ``vocal`` with under :data:`VOICE_SHARE_MIN` of its
   power in the voice band (250 Hz–4 kHz), ``bass`` or ``kick`` with under
   :data:`LOW_SHARE_MIN` below 250 Hz: every rule is tuned to the role;
2. no destination, on a mix or master whose loudness is more than :data:`FAR_FROM_PLATFORMS_LU`
   from every platform's: whether and how far to move it depends on where it goes;
3. no genre and no reference, on a mix or master where the engine found bands standing out
   that may be the arrangement (its notes say "give --reference or --genre to decide").

Never when the context already holds the answer (a fully specified request asks nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..context import Context, load_data
from ..records import Analysis
from .common import CENTRES, band_levels
from .records import Question

#: A vocal has at least this share of its power between 250 Hz and 4 kHz…
VOICE_SHARE_MIN = 0.25
#: …a bass or a kick at least this share below 250 Hz.
LOW_SHARE_MIN = 0.15
#: A loudness this far (LU) from every platform's asks where the mix is going.
FAR_FROM_PLATFORMS_LU = 5.0
_WHOLE = ("mix", "master")
#: The note :func:`analyzers.suggest.engine.suggest` gives a bump on a whole mix.
GENRE_NOTE = "give --reference or --genre to decide"


def _share(analysis: Analysis, lo_hz: float, hi_hz: float) -> float | None:
    level, valid = band_levels(analysis)
    if not valid.any():
        return None
    power = np.where(valid, 10 ** (np.nan_to_num(level, nan=-300.0) / 10), 0.0)
    sel = valid & (CENTRES >= lo_hz) & (CENTRES < hi_hz)
    return float(power[sel].sum() / power.sum())


def question(analysis: Analysis, ctx: Context, notes: Sequence[str] = ()) -> Question | None:
    """The one question worth asking about ``analysis`` in ``ctx`` (see the module's
    docstring), or None. ``notes`` are the engine's notes (for the genre question)."""
    if analysis.loudness.integrated_lufs is None:
        return None
    role = ctx.role.name
    roles = ("vocal", "bass", "kick", "drums", "guitar", "keys", "other")
    voice = _share(analysis, 250.0, 4000.0)
    low = _share(analysis, 20.0, 250.0)
    if role == "vocal" and voice is not None and voice < VOICE_SHARE_MIN:
        return Question("role", "Is this really a vocal?", tuple(r for r in roles if r != "vocal"), "--role",
                        f"only {100 * voice:.0f} % of its power is in the voice band (250 Hz–4 kHz); a voice has "
                        f"at least {100 * VOICE_SHARE_MIN:.0f} % there, and the vocal rules would act on the wrong bands")  # fmt: skip
    if role in ("bass", "kick") and low is not None and low < LOW_SHARE_MIN:
        return Question("role", f"Is this really a {role}?", tuple(r for r in roles if r != role), "--role",
                        f"only {100 * low:.0f} % of its power is below 250 Hz; a {role} has at least "
                        f"{100 * LOW_SHARE_MIN:.0f} % there, and the {role} rules would act on the wrong bands")  # fmt: skip
    if role not in _WHOLE:
        return None
    lufs = float(analysis.loudness.integrated_lufs)
    if ctx.destination is None:
        table = load_data("destinations")["destinations"]
        nearest = min(table, key=lambda k: abs(float(table[k]["lufs"]) - lufs))
        gap = abs(float(table[nearest]["lufs"]) - lufs)
        if gap > FAR_FROM_PLATFORMS_LU:
            return Question("destination", "Where is it going?", ("spotify", "apple-music", "youtube", "ebu-r128", "cd"),
                            "--target", f"{lufs:.1f} LUFS is {gap:.0f} LU from the nearest platform's level "
                            f"({nearest}, {float(table[nearest]['lufs']):g} LUFS): how far to move it depends on where it goes")  # fmt: skip
    bumps = [n.split(" — ")[0] for n in notes if GENRE_NOTE in n]
    if ctx.genre is None and ctx.reference is None and bumps:
        genres = tuple(load_data("genres")["genres"])
        return Question("genre", "What genre is it (or give --reference with a track to match)?", genres, "--genre",
                        f"{bumps[0]}; on a whole mix that may be the arrangement: a genre's tonal target or a "
                        "reference decides whether to move it")  # fmt: skip
    return None
