"""The readable text ``secondear analyze``, ``suggest`` and ``apply`` print (plain text from their JSON-ready answers)."""

from __future__ import annotations

from typing import Any

from analyzers.noise import STEADY_SPREAD_DB


def _f(value: Any, unit: str = "", digits: int = 1, signed: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    if float(text) == 0:  # -0.04 dBTP is printed 0.0, never -0.0
        text = text.replace("-", "+" if signed else "", 1)
    return f"{text} {unit}".rstrip()


def _loudness(d: dict[str, Any], key: str) -> str:
    if d[key] is not None:
        return _f(d[key], "LUFS")
    return "no signal" if d["loudness_status"] == "no signal" else "too short"


def render_table(d: dict[str, Any], *, width: int = 78) -> str:
    """Render one ``analysis_to_dict`` summary as an aligned text report."""
    rate = d["sample_rate"]
    lines = [
        f"{d['path']}",
        f"  {rate / 1000:g} kHz · {d['channels']} ch · {d['duration_s']:.2f} s",
        "",
        "  Loudness (BS.1770-4 / EBU R128)",
        f"    integrated        {_loudness(d, 'integrated_lufs'):>14}",
        f"    short-term max    {_loudness(d, 'short_term_max_lufs'):>14}",
        f"    momentary max     {_loudness(d, 'momentary_max_lufs'):>14}",
        f"    loudness range    {_f(d['lra_lu'], 'LU'):>14}",
        "  Peaks and dynamics",
        f"    true peak         {_f(d['true_peak_dbtp'], 'dBTP'):>14}",
        f"    sample peak       {_f(d['sample_peak_dbfs'], 'dBFS'):>14}",
        f"    RMS               {_f(d['rms_dbfs'], 'dBFS'):>14}",
        f"    crest factor      {_f(d['crest_db'], 'dB'):>14}",
        f"    PLR               {_f(d['plr_db'], 'dB'):>14}",
    ]
    if d["channels"] >= 2:
        lines += [
            "  Stereo",
            f"    correlation       {_f(d['correlation'], '', 2, signed=True):>14}",
            f"    width (side)      {_f(None if d['width'] is None else 100 * d['width'], '%', 0):>14}",
        ]
    dc_db = None
    if d["dc_offset"]:
        import math

        dc_db = 20 * math.log10(abs(d["dc_offset"])) if d["dc_offset"] else None
    lines += [
        "  Hygiene",
        f"    DC offset         {_f(dc_db, 'dBFS'):>14}",
        f"    clipped samples   {d['clipped_samples']:>14}"
        + (f"  (flat tops at {d['flat_top_dbfs']:.1f} dBFS: clipped, then turned down)" if d.get("flat_top_dbfs") is not None else ""),
        f"    quietest 400 ms   {_f(d['noise_floor_dbfs'], 'dBFS'):>14}",
        f"    silence head/tail {_f(d['leading_silence_s'], 's', 2) + ' / ' + _f(d['trailing_silence_s'], 's', 2):>14}",
    ]
    lines += ["  Hum and noise", f"    mains hum         {hum_line(d.get('hum'))}",
              f"    noise in pauses   {noise_line(d.get('noise'))}"]  # fmt: skip
    lines += ["  Rhythm", _tempo_line(d), f"    transients        {_f(d['onsets_per_s'], 'a second', 1):>14}"]
    if len(d["sections"]) > 1:
        lines.append("  Sections")
        for s in d["sections"]:
            lines.append(f"    {s['start_s']:7.1f}–{s['end_s']:<7.1f} s  {_f(s['lufs'], 'LUFS'):>12}")
    lines += ["", _spectrum(d, width=width)]
    if d["warnings"]:
        lines += ["", "  Warnings"] + [f"    ! {w}" for w in d["warnings"]]
    return "\n".join(lines)


def hum_line(h: dict[str, Any] | None) -> str:
    """``50 Hz (49.99): 50, 100, 150 Hz, up to 29 dB above the floor`` or ``none``."""
    if h and h["mains_hz"] is None and h.get("undecided"):
        at = ", ".join(f"{ln['hz']:.0f}" for ln in h["undecided"])
        top = max(ln["above_floor_db"] for ln in h["undecided"])
        return f"none named; a steady line at {at} Hz, {top:.0f} dB above the floor, is a harmonic of 50 and 60 Hz alike"
    if not h or h["mains_hz"] is None:
        return "none"
    freqs = ", ".join(f"{ln['hz']:.0f}" for ln in h["lines"])
    top = max(ln["above_floor_db"] for ln in h["lines"])
    return f"{h['mains_hz']:.0f} Hz ({h['fundamental_hz']:.2f}): lines at {freqs} Hz, up to {top:.0f} dB above the floor"


def noise_line(n: dict[str, Any] | None) -> str:
    """``hiss at -60.0 dBFS (0.8 s), SNR 36 dB`` or why there is none."""
    if not n:
        return "—"
    if not n["has_pauses"]:
        return "pauses are digital silence" if n["silence_s"] >= 0.5 else "no pauses to measure (none of 185 ms near the quietest level)"
    line = f"{n['shape']} at {n['floor_dbfs']:.1f} dBFS ({n['pause_s']:.1f} s), SNR {n['snr_db']:.0f} dB"
    spread = n.get("spread_db")
    if spread is not None and spread > STEADY_SPREAD_DB:
        line += f"; unsteady ({spread:.1f} dB from moment to moment, noise holds within {STEADY_SPREAD_DB:g}): music?"
    return line


def _tempo_line(d: dict[str, Any]) -> str:
    """The tempo and how sure it is; "not found" when the analyzer is not confident of a beat."""
    sure = f"confidence {d['tempo_confidence']:.2f}"
    if d["tempo_bpm"] is None:
        return f"    tempo             {'not found':>14}  (no beat clear enough: {sure}; nothing is timed by it)"
    return f"    tempo             {_f(d['tempo_bpm'], 'BPM'):>14}  ({sure})"


def _spectrum(d: dict[str, Any], *, width: int) -> str:
    """A text bar chart of the 1/3-octave band levels (relative to all bands)."""
    bands = [b for b in d["bands"] if b["db"] is not None]
    tilt = d["tilt_db_per_oct"]
    head = f"  Spectrum (1/3 octave, dB of total; tilt {_f(tilt, 'dB/oct', 2, signed=True)})"
    if not bands:
        return head + "\n    —"
    top = max(b["db"] for b in bands)
    span = 40.0
    bar_w = max(10, width - 26)
    rows = [head]
    for b in d["bands"]:
        label = f"{b['hz'] / 1000:g}k" if b["hz"] >= 1000 else f"{b['hz']:g}"
        if b["db"] is None:
            rows.append(f"    {label:>5} Hz       —")
            continue
        frac = max(0.0, (b["db"] - (top - span)) / span)
        rows.append(f"    {label:>5} Hz {b['db']:6.1f} {'█' * int(round(frac * bar_w))}")
    return "\n".join(rows)


def render_advice(r: dict[str, Any]) -> str:
    """The readable form of one ``suggest`` result (a failed file is said on stderr instead)."""
    a = r["analysis"]
    ctx = r["context"]
    head = [
        f"{r['path']}",
        f"  {a['sample_rate'] / 1000:g} kHz · {a['channels']} ch · {a['duration_s']:.2f} s · "
        f"{_loudness(a, 'integrated_lufs')} · TP {_f(a['true_peak_dbtp'], 'dBTP')} · crest {_f(a['crest_db'], 'dB')}",
        "  context: " + ", ".join(
            f"{k} {v if not isinstance(v, dict) else v['name']}" for k, v in ctx.items() if v
        ),
        "",
    ]  # fmt: skip
    lines = head
    if a.get("warnings"):  # analyze's warnings, so that suggest never contradicts them unseen
        lines += ["  Warnings"] + [f"    ! {w}" for w in a["warnings"]] + [""]
    if r["suggestions"]:
        lines.append("  Suggestions (accept with: secondear apply FILE -o OUT --accept ID,ID)")
        for s in r["suggestions"]:
            params = " ".join(f"{k}={v}" for k, v in s["params"].items())
            lines.append(f"    [{s['id']}] {s['kind']} {params}   ({s['severity']}, confidence {s['confidence']:.2f})")
            lines.append(f"        {s['why']}")
            if s.get("curve"):  # a ride: its breakpoints, as `curve=` takes them on the command line
                n = len(s["curve"])
                pts = ",".join(f"{t:g}:{g:g}" for t, g in s["curve"][:24])
                lines.append(f"        curve={pts}" + (f"… ({n} points; --json has them all)" if n > 24 else ""))
            if s.get("region_s"):
                lines.append(f"        only {s['region_s'][0]:.1f}–{s['region_s'][1]:.1f} s")
    else:  # "leave it" only when nothing else is said: a note may be a fault no move fixes
        lines.append("  No moves: leave it." if not r.get("notes") else "  No moves (read the notes).")
    if r["leave_alone"]:
        lines += ["", "  Leave alone"] + [f"    · {k['aspect']}: {k['why']}" for k in r["leave_alone"]]
    if r.get("notes"):
        lines += ["", "  Notes"] + [f"    - {n}" for n in r["notes"]]
    for q in r.get("questions", []):
        lines += ["", *render_question(q)]
    return "\n".join(lines)


def render_question(q: dict[str, Any]) -> list[str]:
    """A question as lines: the question, why, and the flag that answers it."""
    return [f"  Question: {q['text']}", f"    {q['why']}",
            f"    answer with {q['flag']} {'|'.join(q['choices'])}"]  # fmt: skip


def _figure(v: float | int, figure: str) -> str:
    """A checked figure: a count (an int) as a whole number, a DC offset to 4 decimals, else
    signed to 2."""
    if isinstance(v, int):
        return str(v)
    return f"{v:.4f}" if figure == "dc_offset" else f"{v:+.2f}"


def render_apply(r: dict[str, Any]) -> str:
    """The readable form of one ``apply`` result: predicted against measured (a failed file
    is said on stderr instead)."""
    lines = [f"{r['path']} → {r['output']}", f"  accepted: {', '.join(r['accepted']) or 'nothing'}"]
    if r["checks"]:
        lines.append("  predicted against measured")
        for c in r["checks"]:
            before = "" if c["before"] is None else f"{_figure(c['before'], c['figure'])} → "
            meas = "—" if c["measured"] is None else _figure(c["measured"], c["figure"])
            whose = " (its own effect)" if c.get("own") else ""
            unit = f" {c['unit']}" if c.get("unit") else ""
            flag = f"  ⚠ misses by more than {c.get('tolerance', 1.0):g}{unit}" if c.get("missed") else ""
            lines.append(f"    [{c['id']}] {c['figure']:<28} {before}predicted {_figure(c['predicted'], c['figure'])}, "
                         f"measured {meas}{whose}{flag}")
    after = r["after"]
    lines.append(
        f"  result: {_f(after['integrated_lufs'], 'LUFS')}, true peak {_f(after['true_peak_dbtp'], 'dBTP')}, "
        f"crest {_f(after['crest_db'], 'dB')}"
    )
    lines += [f"  ! {w}" for w in r.get("warnings", [])]
    lines += [f"  {k}" for k in r.get("kept", {}).get("said", [])]
    return "\n".join(lines)
