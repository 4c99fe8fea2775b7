"""A conversation in turns: each request resolved against the current state.

Pure, no I/O. The state is the moves accepted so far (in order, as
:class:`~analyzers.suggest.records.Suggestion` with their final moves) and the
:class:`~analyzers.Analysis` of the audio as rendered with them (the bridge renders and
measures; :class:`bridge.session.Session` holds the turns). :func:`parse_request` reads the
words; :func:`resolve` answers:

* new words (``"warmer"``, ``"more air but not harsh"``): the engine's moves for those words
  on the audio as it is now (so a region already raised by an earlier turn gets less, or
  "already there" with the measured figure);
* ``"a bit more"``, ``"less of the last one"``: the last turn's change scaled (×1.5, ×0.5…:
  :data:`SCALES`), as replacements of the moves it changed;
* ``"too dark now"``: the move that did most of it — the latest one whose response pushes the
  named quality's region that way — with half of its amount taken back;
* ``"undo that"``, ``"back to where we were before the air"``: the state before that turn.

Every answer is a :class:`Reply`; a turn once decided is a :class:`Turn` (the words, what it
proposed, the state before and after, the figures measured after).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..context import Context, UnknownNameError, load_data
from ..eq_response import move_response_db
from ..errors import ParameterError
from ..moves import AMOUNT_PARAMS, KINDS, Move
from ..records import Analysis
from .common import CENTRES, band_levels, hz, trend
from .engine import suggest
from .intent import parse_intent
from .records import Suggestion

#: ``"a bit more"`` and the like: the factor the last change is scaled by.
SCALES: Mapping[str, float] = {
    "a bit more": 1.5, "a little more": 1.5, "a touch more": 1.5, "slightly more": 1.5, "more": 1.5,
    "more of that": 1.5, "more of it": 1.5, "more of the last one": 1.5,
    "much more": 2.0, "a lot more": 2.0, "way more": 2.0, "twice that": 2.0, "double it": 2.0, "double that": 2.0,
    "a bit less": 0.67, "a little less": 0.67, "a touch less": 0.67, "slightly less": 0.67,
    "less": 0.5, "less of that": 0.5, "less of it": 0.5, "less of the last one": 0.5, "half that": 0.5,
    "half of that": 0.5, "much less": 0.25, "a lot less": 0.25, "way less": 0.25,
}  # fmt: skip
#: The share of the amount "too X now" takes back from the move that caused X.
REVERSE_SHARE = 0.5
#: A move whose response pushes a quality by less than this (dB, or LU) did not cause it.
CAUSE_MIN = 0.5
#: The parameter that holds a move's amount, and its neutral value.
AMOUNTS = AMOUNT_PARAMS
#: The regions the figures after each turn are measured in (band level in dB, summed power).
FIGURE_REGIONS_HZ: Mapping[str, tuple[float, float]] = {
    "low": (40.0, 160.0), "low_mid": (160.0, 500.0), "mid": (500.0, 2000.0), "high_mid": (2000.0, 5000.0),
    "top": (5000.0, 10000.0), "air": (10000.0, 20000.0),
}  # fmt: skip
_UNDO = re.compile(r"^(undo|undo (that|it|the last (one|change|turn))|scrap that|take that back|go back one|revert that)$")
_BACK = re.compile(r"^(?:go )?back to (?:where we were |how it was |what we had )?before (?:the |that |we added (?:the )?)?(.+)$")
_TOO = re.compile(r"^(?:it'?s |that'?s |now (?:it'?s )?|it is |that is )?(?:a bit |a little |slightly |way |much )?too (.+?)(?: now)?$")
_COMPRESSION_WORDS = ("squashed", "compressed", "crushed", "squeezed", "pumping")
REQUEST_KINDS = ("first", "words", "scale", "reverse", "undo", "back")


@dataclass(frozen=True, slots=True)
class Request:
    """What the words ask of the state: ``words`` (new moves), ``scale`` (the last change
    × ``factor``), ``reverse`` (take back part of what made ``quality``), ``undo`` (the
    last turn), ``back`` (to before the turn about ``target``)."""

    kind: str
    text: str
    factor: float = 1.0
    quality: str = ""
    target: str = ""


@dataclass(frozen=True, slots=True)
class Quality:
    """A quality the engineer can find there is too much of: an EQ region pushed one way
    (``sign`` +1 raised, −1 lowered), the loudness, the width or the compression."""

    name: str
    kind: str  # eq, loudness, width, compression
    region_hz: tuple[float, float] = (0.0, 0.0)
    sign: float = 1.0


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to one request.

    Attributes
    ----------
    kind : str
        The request's kind (:data:`REQUEST_KINDS`).
    proposals : tuple of Suggestion
        Moves to audition and decide on; ids unique against every id used so far.
    replaces : mapping of str to str
        A proposal's id → the id of the state's move it takes the place of when accepted.
    restore : tuple of Suggestion or None
        For ``undo`` and ``back``: the state to return to (nothing to decide).
    already : tuple of str
        Requests already satisfied, each with the measured figure.
    notes : tuple of str
        Why a request produced less than asked, what was read from the words.
    """

    kind: str
    proposals: tuple[Suggestion, ...] = ()
    replaces: Mapping[str, str] = field(default_factory=dict)
    restore: tuple[Suggestion, ...] | None = None
    already: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn of the conversation once it happened.

    ``before`` and ``after`` are the accepted moves before the request and after its
    decisions (``after`` is None while undecided); ``replaced`` maps an accepted replacement's
    id to the id it replaced; ``figures`` are measured on the render of ``after``."""

    words: str
    kind: str
    proposals: tuple[Suggestion, ...] = ()
    replaces: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    already: tuple[str, ...] = ()
    before: tuple[Suggestion, ...] = ()
    after: tuple[Suggestion, ...] | None = None
    figures: Mapping[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How a reply names the turn: its words quoted, or the opening suggestions (the
        first turn has no words of its own)."""
        return f"'{self.words}'" if self.words.strip() else "the opening suggestions"

    def changed(self) -> list[tuple[Suggestion | None, Suggestion | None]]:
        """(before, after) of every move this turn added, replaced or removed."""
        if self.after is None:
            return []
        before = {s.id: s for s in self.before}
        out: list[tuple[Suggestion | None, Suggestion | None]] = []
        taken: set[str] = set()
        for s in self.after:
            prev = before.get(self.replaces.get(s.id, s.id))
            if prev is not None:
                taken.add(prev.id)
                if prev.move == s.move:
                    continue
            out.append((prev, s))
        out += [(s, None) for s in self.before if s.id not in taken and s.id not in {a.id for a in self.after}]
        return out

    def to_dict(self) -> dict:
        return {"words": self.words, "kind": self.kind, "proposals": [s.to_dict() for s in self.proposals],
                "replaces": dict(self.replaces), "notes": list(self.notes), "already": list(self.already),
                "before": [s.to_dict() for s in self.before],
                "after": None if self.after is None else [s.to_dict() for s in self.after],
                "figures": {k: round(v, 2) for k, v in self.figures.items()}}  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping) -> Turn:
        """The inverse of :meth:`to_dict`; ParameterError (or KeyError/TypeError/ValueError,
        which the caller reports) for anything else."""
        if not isinstance(d, Mapping) or d.get("kind") not in REQUEST_KINDS:
            raise ParameterError(f"a turn needs a kind among {', '.join(REQUEST_KINDS)}")
        after = d.get("after")
        return cls(words=str(d["words"]), kind=str(d["kind"]),
                   proposals=tuple(Suggestion.from_dict(s) for s in d.get("proposals", [])),
                   replaces={str(k): str(v) for k, v in dict(d.get("replaces", {})).items()},
                   notes=tuple(str(n) for n in d.get("notes", [])), already=tuple(str(n) for n in d.get("already", [])),
                   before=tuple(Suggestion.from_dict(s) for s in d.get("before", [])),
                   after=None if after is None else tuple(Suggestion.from_dict(s) for s in after),
                   figures={str(k): float(v) for k, v in dict(d.get("figures", {})).items()})  # fmt: skip


def _clean(text: str) -> str:
    t = re.sub(r"[^a-z0-9&'\- ]", " ", text.lower())
    t = re.sub(r"\s+", " ", t).strip()
    return re.sub(r"^(please |ok |okay |hmm |now )+|( please| now)$", "", t).strip()


def parse_request(text: str) -> Request:
    """Read what the words ask of the state (see the module's docstring).

    Raises :class:`~analyzers.context.UnknownNameError` for "too X" with an X that names no
    quality, and ParameterError for empty words; unknown words of a new request are
    reported by :func:`resolve` (through the intent parser).
    """
    t = _clean(text)
    if not t:
        raise ParameterError("say what to change (e.g. 'warmer', 'a bit more', 'too dark now', 'undo that')")
    if t in SCALES:
        return Request("scale", text, factor=SCALES[t])
    if _UNDO.match(t):
        return Request("undo", text)
    m = _BACK.match(t)
    if m:
        return Request("back", text, target=m.group(1).strip())
    m = _TOO.match(t)
    if m:
        quality_of(m.group(1).strip())  # an unknown quality is an error here
        return Request("reverse", text, quality=m.group(1).strip())
    return Request("words", text)


def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for name, entry in load_data("intents")["descriptors"].items():
        names[name] = name
        for alias in entry.get("aliases", []):
            names[alias] = name
    return names


def _descriptor_sign(entry: Mapping) -> tuple[str, float]:
    if "eq" in entry:
        total = sum(float(e["gain_db"]) for e in entry["eq"])
        return "eq", float(np.sign(total) or 1.0)
    if "loudness" in entry:
        return "loudness", float(np.sign(entry["loudness"]["change_lu"]))
    if "stereo" in entry:
        return "width", float(np.sign(entry["stereo"].get("side_gain_db", 0.0)) or -1.0)
    return "compression", 1.0


def quality_of(word: str) -> Quality:
    """The quality "too ``word``" names: ``dark`` → the 2–16 kHz region lowered, ``muddy``
    → 150–400 Hz raised, ``loud``, ``wide``, ``squashed``…"""
    w = word.strip().lower()
    if w in _COMPRESSION_WORDS:
        return Quality(w, "compression")
    names = _names()
    table = load_data("intents")["descriptors"]
    if w in names:
        d, flip = names[w], names[w].startswith("less ")
    elif "less " + w in names:
        d, flip = names["less " + w], True
    elif w.endswith("er") and w[:-2] in names:  # "brighter" said as a quality
        d, flip = names[w[:-2]], names[w[:-2]].startswith("less ")
    else:
        qualities = sorted({n for n in names if not n.startswith(("more ", "less "))} | set(_COMPRESSION_WORDS))
        raise UnknownNameError(f"'too {w}': not a quality I know; known: {', '.join(qualities)}")
    e = table[d]
    kind, sign = _descriptor_sign(e)
    if flip:
        sign = -sign
    if kind == "eq":
        lo, hi = e.get("region_hz", (20, 20000))
        return Quality(w, "eq", (float(lo), float(hi)), sign)
    return Quality(w, kind, sign=sign)


def effect(move: Move, quality: Quality, sample_rate_hz: float) -> float:
    """How much ``move`` pushes ``quality`` its way: the mean response (dB) over the
    region's 1/3-octave centres for EQ, the gain (dB) for loudness, the side gain for width,
    ``ratio − 1`` for compression; × the quality's sign."""
    if quality.kind == "eq":
        if move.kind not in ("peak", "low_shelf", "high_shelf", "highpass", "lowpass"):
            return 0.0
        lo, hi = quality.region_hz
        f = CENTRES[(CENTRES >= lo) & (CENTRES <= min(hi, 0.45 * sample_rate_hz))]
        if f.size == 0:
            return 0.0
        return float(np.mean(move_response_db(move, f, sample_rate_hz))) * quality.sign
    if quality.kind == "loudness" and move.kind in ("gain", "limiter"):
        return float(move.params["gain_db"]) * quality.sign
    if quality.kind == "width" and move.kind == "width":
        return float(move.params["side_gain_db"]) * quality.sign
    if quality.kind == "compression" and move.kind in ("compressor", "limiter"):
        return float(move.params.get("ratio", 4.0)) - 1.0
    return 0.0


def scaled(move: Move, factor: float, *, start: Move | None = None) -> Move | None:
    """``move`` with its change from ``start`` (None: from the neutral move) × ``factor``;
    None for a kind without one amount (a high-pass, a polarity flip)."""
    if move.kind not in AMOUNTS:
        return None
    name, neutral = AMOUNTS[move.kind]
    base = float(start.params[name]) if start is not None and start.kind == move.kind else neutral
    spec = KINDS[move.kind][name]
    value = float(np.clip(base + (float(move.params[name]) - base) * factor, spec.low, spec.high))
    return Move(move.kind, {**move.params, name: round(value, 2)})


def region_figure(analysis: Analysis, region_hz: tuple[float, float]) -> float | None:
    """How far a region sits against the spectrum's own neutral trend (dB, mean over its bands)."""
    level, valid = band_levels(analysis)
    neutral = trend(level, valid, half_width=6, gap=2)
    lo, hi = region_hz
    sel = valid & np.isfinite(neutral) & (CENTRES >= lo) & (CENTRES <= hi)
    return float(np.mean(level[sel] - neutral[sel])) if sel.any() else None


def figures(analysis: Analysis) -> dict[str, float]:
    """The figures recorded after a turn: loudness (LUFS), crest (dB), width (side share) and
    each :data:`FIGURE_REGIONS_HZ` region's level (``<region>_dbfs``: the power of its 1/3-octave
    bands summed, in dBFS per channel)."""
    out: dict[str, float] = {}
    if analysis.loudness.integrated_lufs is not None:
        out["integrated_lufs"] = float(analysis.loudness.integrated_lufs)
    if analysis.levels.crest_db is not None:
        out["crest_db"] = float(analysis.levels.crest_db)
    if analysis.stereo.width is not None:
        out["width"] = float(analysis.stereo.width)
    level, valid = band_levels(analysis)
    total = analysis.spectrum.total_dbfs
    for name, (lo, hi) in FIGURE_REGIONS_HZ.items():
        sel = valid & (CENTRES >= lo) & (CENTRES < hi)
        if sel.any() and total is not None:
            out[f"{name}_dbfs"] = float(10 * np.log10(np.sum(10 ** (level[sel] / 10)))) + float(total)
    return out


def _unique(s: Suggestion, taken: set[str]) -> Suggestion:
    if s.id not in taken:
        taken.add(s.id)
        return s
    root = re.sub(r"-\d+$", "", s.id)
    n = 2
    while f"{root}-{n}" in taken:
        n += 1
    taken.add(f"{root}-{n}")
    return replace(s, id=f"{root}-{n}")


def resolve(request: Request, *, state: Sequence[Suggestion], turns: Sequence[Turn], analysis: Analysis,
            context: Context, taken_ids: set[str] | frozenset[str] = frozenset()) -> Reply:  # fmt: skip
    """Answer ``request`` against the state: ``state`` the accepted moves, ``turns`` the
    conversation so far (oldest first), ``analysis`` the audio as rendered with ``state``,
    ``context`` the session's context (its own intent words are not used again), and
    ``taken_ids`` every id used so far (proposals get other ids)."""
    taken = set(taken_ids) | {s.id for s in state}
    if request.kind == "words":
        return _words(request, analysis, context, taken)
    if request.kind == "scale":
        return _scale(request, state, turns, taken)
    if request.kind == "reverse":
        return _reverse(request, state, turns, analysis, taken)
    return _back(request, state, turns)


def _words(request: Request, analysis: Analysis, context: Context, taken: set[str]) -> Reply:
    wishes = parse_intent(request.text)
    advice = suggest(analysis, replace(context, intent=request.text))
    asked = {w.descriptor for w in wishes}
    loud = any("loudness" in load_data("intents")["descriptors"][w.descriptor] for w in wishes if w.wanted)
    ours = [s for s in advice.suggestions
            if s.aspect.split(":", 1)[-1] in asked or s.aspect.startswith("intent:") or (loud and s.id == "loudness")]  # fmt: skip
    table = load_data("intents")["descriptors"]
    already = []
    for w in wishes:
        e = table[w.descriptor]
        if not w.wanted:
            continue
        for spec in e.get("eq", []):
            lo, hi = spec["range_hz"]
            if any(s.aspect == f"intent:{w.descriptor}" and s.move.kind == spec["shape"]
                   and lo <= s.move.params.get("freq_hz", 0.0) <= hi for s in ours):  # fmt: skip
                continue
            x = region_figure(analysis, (lo, hi))
            if x is not None:
                already.append(f"'{w.words}': already there — {hz(lo)}–{hz(hi)} sits {x:+.1f} dB against its "
                               f"neutral level as rendered now (the nominal move is {float(spec['gain_db']):+.1f} dB)")  # fmt: skip
    proposals = tuple(_unique(s, taken) for s in ours)
    renamed = {a.id: b.id for a, b in zip(ours, proposals) if a.id != b.id}
    notes = [n for n in advice.notes if n.startswith("'") or "refused" in n or "contradicts" in n]
    notes = [n for n in notes if "already there" not in n]
    for old, new in renamed.items():  # the notes name the cards by the ids they have here
        notes = [n.replace(f"({old})", f"({new})") for n in notes]
    return Reply("words", proposals=proposals, already=tuple(already), notes=tuple(notes))


def _last_change(turns: Sequence[Turn]) -> Turn | None:
    return next((t for t in reversed(turns) if t.after is not None and t.changed()), None)


def _scale(request: Request, state: Sequence[Suggestion], turns: Sequence[Turn], taken: set[str]) -> Reply:
    last = _last_change(turns)
    if last is None:
        return Reply("scale", notes=("nothing has changed yet: there is no last change to scale",))
    now = {s.id: s for s in state}
    proposals, replaces, notes = [], {}, []
    word = "more" if request.factor > 1 else "less"
    for prev, cur in last.changed():
        if cur is None:
            notes.append(f"{last.label} removed {prev.move.describe()}: say 'undo that' to bring it back")
            continue
        if cur.id not in now or now[cur.id].move != cur.move:
            notes.append(f"{cur.id} changed since {last.label}: left as it is")
            continue
        if cur.id == "loudness":
            notes.append("the loudness move is set to reach its target: change the target instead")
            continue
        move = scaled(cur.move, request.factor, start=None if prev is None else prev.move)
        if move is None:
            notes.append(f"{cur.move.describe()} has no amount to scale: left as it is")
            continue
        new = _unique(replace(cur, move=move, why=f"'{request.text}': {move.describe()} — the change of "
                              f"{last.label} ({cur.move.describe()}) × {request.factor:g}"), taken)  # fmt: skip
        proposals.append(new)
        replaces[new.id] = cur.id
    if not proposals and not notes:
        notes.append(f"{last.label} changed nothing that can be {word}")
    return Reply("scale", proposals=tuple(proposals), replaces=replaces, notes=tuple(notes))


def _reverse(request: Request, state: Sequence[Suggestion], turns: Sequence[Turn], analysis: Analysis,
             taken: set[str]) -> Reply:  # fmt: skip
    q = quality_of(request.quality)
    rate = analysis.sample_rate_hz
    now = {s.id: s for s in state}
    figure = _quality_figure(q, analysis)
    # the most recent turn's moves first, then whatever else is in the state
    order: list[str] = []
    for t in reversed(turns):
        order += [cur.id for _, cur in t.changed() if cur is not None and cur.id in now and cur.id not in order]
    order += [s.id for s in reversed(state) if s.id not in order]
    cause = next((now[i] for i in order if effect(now[i].move, q, rate) >= CAUSE_MIN), None)
    if cause is None:
        return Reply("reverse", notes=(f"'{request.text}': no accepted move made it {q.name} ({figure}); "
                                       "say what you want instead (e.g. the opposite word) for a new move",))  # fmt: skip
    move = scaled(cause.move, 1 - REVERSE_SHARE)
    if move is None:  # a high-pass: half its corner frequency
        f = max(KINDS[cause.move.kind]["freq_hz"].low, cause.move.params["freq_hz"] / 2)
        move = Move(cause.move.kind, {**cause.move.params, "freq_hz": round(f, 1)})
    pushed = effect(cause.move, q, rate)
    new = _unique(replace(cause, move=move, why=(
        f"'{request.text}': {cause.move.describe()} did most of it ({_pushed(q, pushed)}; {figure}) — "
        f"half of it taken back: {move.describe()}")), taken)  # fmt: skip
    return Reply("reverse", proposals=(new,), replaces={new.id: cause.id})


def _pushed(q: Quality, amount: float) -> str:
    if q.kind == "eq":
        return f"it {'raised' if q.sign > 0 else 'lowered'} {_quality_label(q)} by {abs(amount):.1f} dB on average"
    return f"{amount:+.1f} on {_quality_label(q)}"


def _quality_label(q: Quality) -> str:
    if q.kind == "eq":
        return f"{hz(q.region_hz[0])}–{hz(q.region_hz[1])}"
    return {"loudness": "the loudness, dB", "width": "the side level, dB", "compression": "the ratio"}[q.kind]


def _quality_figure(q: Quality, analysis: Analysis) -> str:
    if q.kind == "eq":
        x = region_figure(analysis, q.region_hz)
        return "not measurable here" if x is None else (
            f"{_quality_label(q)} sits {x:+.1f} dB against its neutral level as rendered now")  # fmt: skip
    if q.kind == "loudness" and analysis.loudness.integrated_lufs is not None:
        return f"{analysis.loudness.integrated_lufs:.1f} LUFS as rendered now"
    if q.kind == "width" and analysis.stereo.width is not None:
        return f"the side carries {100 * analysis.stereo.width:.0f} % of the energy as rendered now"
    if analysis.levels.crest_db is not None:
        return f"crest {analysis.levels.crest_db:.1f} dB as rendered now"
    return "not measurable here"


def _back(request: Request, state: Sequence[Suggestion], turns: Sequence[Turn]) -> Reply:
    decided = [t for t in turns if t.after is not None and t.changed()]
    if request.kind == "undo":
        if not decided:
            return Reply("undo", notes=("nothing to undo: no turn has changed anything yet",))
        t = decided[-1]
        return Reply("undo", restore=t.before, notes=(f"undone: {t.label}",))
    target = request.target
    descriptor = _names().get(target) or _names().get(target.removeprefix("more ").removeprefix("less "))
    for t in reversed(decided):
        said = _clean(t.words)
        about = {w.descriptor for w in _safe_wishes(t.words)}
        if target in said or (descriptor is not None and descriptor in about):
            return Reply("back", restore=t.before, notes=(f"back to before {t.label}",))
    said = "; ".join(f"{t.label}" for t in decided) or "none"
    return Reply("back", notes=(f"no turn was about {target!r}; the turns that changed something: {said}",))


def _safe_wishes(words: str):
    try:
        return parse_intent(words)
    except ParameterError:
        return []
