"""``suggest … --session S.json`` and ``apply … --session S.json``: a conversation in turns
on the command line, kept in a session file (:mod:`bridge.session_file`).

suggest FILE --session S.json [context flags] [--intent TEXT] [--json]
    Without S.json: measure FILE, suggest in the context (the first turn) and start the
    file. With it: ``--intent`` is the next turn ("warmer", "a bit more", "too dark now",
    "undo that", "back to before the air"), resolved against the moves accepted so far and
    the audio as rendered with them; without ``--intent``, where the conversation stands.
apply FILE -o OUT --session S.json [--accept all|ID,…] [--tweak ID:P=V …] [--reject ID,…]
      [--save-preset NAME [--force]] [--save-chain CHAIN.json]
    Record the decisions on the last turn's proposals (``all``: every one of them; each
    decision goes to the taste log), then render the session's whole state to OUT and
    measure it; the figures are kept with the turn. ``--save-preset``/``--save-chain`` keep
    exactly the session's moves then, with their provenance (:mod:`.keep`).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from typing import Any

from analyzers import analyze
from analyzers.errors import ParameterError
from analyzers.suggest import Decision
from analyzers.suggest.turns import Turn, figures
from bridge.advise import ContextRequest, resolve_context
from bridge.apply import write_audio
from bridge.chain import ChainError
from bridge.errors import AudioReadError, BridgeError
from bridge.session import Session, SessionError
from bridge.session_file import SessionFileError, load_session, read_session_dict, save_session
from presets import PresetError

from .context import conflicting_decisions, context_request, fail, log_decisions, parse_tweaks, taste_summary
from .keep import input_figures, keep_problem, kept_moves, kept_to_dict, save_kept
from .report import render_question

#: The figures a turn's report shows (name, unit), in this order.
SHOWN_FIGURES = (("integrated_lufs", "LUFS"), ("low_dbfs", "dBFS"), ("low_mid_dbfs", "dBFS"), ("mid_dbfs", "dBFS"),
                 ("high_mid_dbfs", "dBFS"), ("top_dbfs", "dBFS"), ("air_dbfs", "dBFS"), ("width", ""),
                 ("crest_db", "dB"))  # fmt: skip


def _one_file(args: argparse.Namespace) -> str | None:
    if len(args.files) != 1 or os.path.isdir(args.files[0]):
        return None
    return args.files[0]


def _open(args: argparse.Namespace, path: str, decisions: list[Decision]) -> Session | int:
    """The session in ``args.session`` for ``path`` (its decisions collected in
    ``decisions``), or the exit status after saying why not."""
    try:
        stored = read_session_dict(args.session)
        if os.path.abspath(path) != stored.get("source"):
            return fail(f"{args.session} is the session of {stored.get('source')}, not of {path}: give that file, "
                        "or another --session to start one", 1)  # fmt: skip
        session = load_session(args.session, taste=taste_summary(args), on_decision=decisions.append)
    except SessionFileError as exc:
        return fail(str(exc), 1)
    except AudioReadError as exc:
        return fail(f"the session's audio: {exc}", 1)
    except ParameterError as exc:
        return fail(f"{args.session}: {exc}", 1)
    return session


def _save(session: Session, args: argparse.Namespace) -> int:
    try:
        save_session(session, args.session)
    except SessionFileError as exc:
        return fail(str(exc), 1)
    return 0


def run_session_suggest(args: argparse.Namespace) -> int:
    path = _one_file(args)
    if path is None:
        return fail("--session holds one file's conversation: give one FILE", 2)
    if not os.path.exists(args.session):
        return _start(args, path)
    session = _open(args, path, [])
    if isinstance(session, int):
        return session
    changed = _context_change(args, session)
    if isinstance(changed, int):
        return changed
    if changed is not None:  # a question answered, or the context changed: the engine suggests again
        request, said = changed
        try:
            context = resolve_context(request)
        except AudioReadError as exc:
            return fail(str(exc), 1)
        turn = session.recontext(context, said)
        if not args.intent:
            status = _save(session, args)
            if status:
                return status
            n = len(session.turns)
            print(_json({"path": path, "session": args.session, "turn": n, **turn.to_dict(),
                         "questions": [q.to_dict() for q in session.advice.questions], **_state(session)})
                  if args.json else _render_opening(session, turn, n, path, args.session))  # fmt: skip
            return 0
    if not args.intent:
        print(_json({"path": path, "session": args.session, **_state(session)}) if args.json else _status(session, path, args.session))
        return 0
    try:
        turn, _ = session.ask(args.intent)
    except ParameterError as exc:
        return fail(str(exc), 2)
    except (BridgeError, SessionError) as exc:
        return fail(str(exc), 1)
    status = _save(session, args)
    if status:
        return status
    n = len(session.turns)
    print(_json({"path": path, "session": args.session, "turn": n, **turn.to_dict(), **_state(session)}) if args.json
          else _render_turn(session, turn, n, path, args.session))  # fmt: skip
    return 0


def _start(args: argparse.Namespace, path: str) -> int:
    request = context_request(args)
    try:
        request.check()
    except ParameterError as exc:
        return fail(str(exc), 2)
    try:
        context = resolve_context(request)
        session = Session.from_file(path, load_audio=False, taste=taste_summary(args), context=context)
    except AudioReadError as exc:
        return fail(str(exc), 1)
    turn = session.open_conversation()
    status = _save(session, args)
    if status:
        return status
    if args.json:
        print(_json({"path": path, "session": args.session, "turn": 1, **turn.to_dict(),
                     "leave_alone": [k.to_dict() for k in session.advice.leave_alone],
                     "notes": list(session.advice.notes),
                     "questions": [q.to_dict() for q in session.advice.questions], **_state(session)}))  # fmt: skip
        return 0
    print(_render_opening(session, turn, 1, path, args.session))
    return 0


def _context_change(args: argparse.Namespace, session: Session) -> tuple[ContextRequest, str] | int | None:
    """The session's context with the flags given on this call (``--intent`` is a turn, not
    context), and words naming the change; None when nothing changes; the exit status for an
    unknown name."""
    old = ContextRequest.of(session.context)
    new = replace(old, role=args.role if args.role != "mix" else old.role, genre=args.genre or old.genre,
                  target=args.target or old.target, reference_path=args.reference or old.reference_path)  # fmt: skip
    if new == old:
        return None
    try:
        new.check()
    except ParameterError as exc:
        return fail(str(exc), 2)
    said = ", ".join(f"{k} {getattr(new, a)}" for k, a in (("role", "role"), ("genre", "genre"), ("target", "target"),
                                                            ("reference", "reference_path"))
                     if getattr(new, a) != getattr(old, a))  # fmt: skip
    return new, f"context: {said}"


def _render_opening(session: Session, turn: Turn, n: int, path: str, session_path: str) -> str:
    """A turn of the engine's own suggestions, with what it leaves alone, its notes, its question."""
    text = _render_turn(session, turn, n, path, session_path)
    if session.advice.leave_alone:
        text += "\n\n  Leave alone\n" + "\n".join(f"    · {k.aspect}: {k.why}" for k in session.advice.leave_alone)
    if session.advice.notes:
        text += "\n\n  Notes\n" + "\n".join(f"    - {n}" for n in session.advice.notes)
    for q in session.advice.questions:
        text += "\n\n" + "\n".join(render_question(q.to_dict()))
    return text


def run_session_apply(args: argparse.Namespace) -> int:
    path = _one_file(args)
    if path is None:
        return fail("--session holds one file's conversation: give one FILE", 2)
    if not os.path.exists(args.session):
        return fail(f"no session file {args.session}: start one with secondear suggest {path} --session {args.session}", 1)
    try:
        tweaks = parse_tweaks(args.tweak)
    except ValueError as exc:
        return fail(str(exc), 2)
    conflict = conflicting_decisions(args.accept, tweaks, args.reject)
    if conflict:
        return fail(conflict, 2)
    decided: list[Decision] = []
    session = _open(args, path, decided)
    if isinstance(session, int):
        return session
    if os.path.abspath(args.output) in (os.path.abspath(path), os.path.abspath(args.session)):
        return fail(f"-o {args.output} is the session's own audio or file: write the result somewhere else", 1)
    problem = keep_problem(args.save_preset, args.save_chain, force=args.force,
                           own_paths=[path, args.output, args.session])  # fmt: skip
    if problem:
        return fail(*problem)
    accept = (args.accept or "").strip()
    ids = session.latest_pending() if accept.lower() in ("all", "*") else [t.strip() for t in accept.split(",") if t.strip()]
    rejects = [t.strip() for t in args.reject.split(",") if t.strip()]
    try:
        for sid in ids:
            if sid not in tweaks:
                session.accept(sid)
        for sid, params in tweaks.items():
            session.tweak(sid, **params)
        for sid in rejects:
            session.reject(sid)
    except (SessionError, ParameterError) as exc:
        return fail(str(exc), 2)
    if not session.chosen():
        return fail("nothing accepted in this session yet: accept a proposal (--accept ID or all)", 1)
    try:
        rendered, warnings = session.render()
        write_audio(args.output, rendered, session.sample_rate_hz)
    except (BridgeError, OSError) as exc:
        return fail(str(exc), 1)
    after = analyze(rendered, session.sample_rate_hz)
    if not session.turns:
        session.open_conversation()
    before_figures = _previous_figures(session)
    turn = session.close_turn(after)
    if turn is None and decided:  # decisions after the turn was closed (an undo): a record of them
        turn = Turn(words="(decisions)", kind="words", before=session.turns[-1].after or (),
                    after=tuple(session.chosen()), figures=figures(after))  # fmt: skip
        session.turns.append(turn)
    elif turn is None:  # nothing new decided: the last turn's render, measured again
        turn = replace(session.turns[-1], figures=figures(after))
        session.turns[-1] = turn
    log_decisions(decided)
    status = _save(session, args)
    if status:
        return status
    kept, kept_lines = None, []
    if args.save_preset or args.save_chain:  # exactly the session's moves now, with their provenance
        kept = kept_moves(path, input_figures(session.analysis), session.context, session.chosen())
        try:
            kept_lines = save_kept(kept, preset=args.save_preset, chain_path=args.save_chain, overwrite=args.force)
        except (PresetError, ChainError) as exc:
            return fail(str(exc), 1)
    if args.json:
        print(_json({"path": path, "output": args.output, "session": args.session, "turn": len(session.turns),
                     "decided": [d.to_dict() for d in decided],
                     "figures_before": before_figures, **turn.to_dict(), **_state(session),
                     **({"kept": {**kept_to_dict(kept), "preset": args.save_preset, "chain_file": args.save_chain,
                                  "said": kept_lines}} if kept is not None else {}),
                     "warnings": warnings}))  # fmt: skip
        return 0
    lines = [f"{path} → {args.output} — session {args.session}, turn {len(session.turns)} '{turn.words}'"]
    acts = [f"{sid} accepted" for sid in ids if sid not in tweaks] + [f"{sid} tweaked" for sid in tweaks] + [
        f"{sid} rejected" for sid in rejects]
    lines.append("  decided: " + (", ".join(acts) or "nothing new"))
    lines.append("  moves now:")
    lines += [f"    [{s.id}] {s.move.describe()}" for s in session.chosen()]
    lines.append("  measured (before this turn → after):")
    lines += _figure_lines(before_figures, dict(turn.figures))
    lines += [f"  ! {w}" for w in warnings]
    lines += [f"  {x}" for x in kept_lines]
    print("\n".join(lines))
    return 0


def _previous_figures(session: Session) -> dict[str, float]:
    done = [t for t in session.turns[:-1] if t.after is not None and t.figures]
    if done:
        return dict(done[-1].figures)
    return figures(session.analysis) if session.analysis is not None else {}


def _figure_lines(before: dict[str, float], after: dict[str, float]) -> list[str]:
    out = []
    for name, unit in SHOWN_FIGURES:
        if name not in after:
            continue
        b = before.get(name)
        change = "" if b is None else f"  ({after[name] - b:+.2f})"
        was = "" if b is None else f"{b:.2f} → "
        out.append(f"    {name:<16} {was}{after[name]:.2f} {unit}{change}")
    return out


def _state(session: Session) -> dict[str, Any]:
    return {"state": [s.to_dict() for s in session.chosen()],
            "pending": session.latest_pending(), "turns": len(session.turns)}  # fmt: skip


def _json(d: dict[str, Any]) -> str:
    return json.dumps(d, indent=2, ensure_ascii=False, allow_nan=False)


def _render_turn(session: Session, turn: Turn, n: int, path: str, session_path: str) -> str:
    said = f"'{turn.words}'" if turn.words else "the opening suggestions"
    lines = [f"{path} — session {session_path}, turn {n}: {said} ({turn.kind})"]
    lines.append("  moves so far: " + (", ".join(f"[{s.id}] {s.move.describe()}" for s in turn.before) or "none"))
    if turn.after is not None and turn.kind in ("undo", "back"):
        lines.append("  done — moves now: " + (", ".join(f"[{s.id}] {s.move.describe()}" for s in turn.after) or "none"))
        done = [t for t in session.turns[:-1] if t.figures]
        lines.append("  measured (before → after):")
        lines += _figure_lines(dict(done[-1].figures) if done else {}, dict(turn.figures))
        lines.append(f"  render it: secondear apply {path} -o OUT --session {session_path}")
    elif turn.proposals:
        lines.append(f"  Proposed (decide with: secondear apply {path} -o OUT --session {session_path} "
                     "--accept ID,…|all [--tweak ID:PARAM=VALUE] [--reject ID,…])")  # fmt: skip
        now = {s.id: s for s in turn.before}
        for p in turn.proposals:
            params = " ".join(f"{k}={v:g}" for k, v in p.move.params.items())
            old = turn.replaces.get(p.id)
            instead = f"   (instead of [{old}] {now[old].move.describe()})" if old in now else ""
            lines.append(f"    [{p.id}] {p.move.kind} {params}{instead}")
            lines.append(f"        {p.why}")
    else:
        lines.append("  No move proposed.")
    if turn.already:
        lines += ["  Already there"] + [f"    - {a}" for a in turn.already]
    if turn.notes and turn.kind != "first":
        lines += ["  Notes"] + [f"    - {n}" for n in turn.notes]
    return "\n".join(lines)


def _status(session: Session, path: str, session_path: str) -> str:
    lines = [f"{path} — session {session_path}, {len(session.turns)} turns"]
    for i, t in enumerate(session.turns, 1):
        lines.append(f"  {i}. '{t.words or '(opening suggestions)'}' ({t.kind})" + ("" if t.after is not None else " — undecided"))
    lines.append("  moves now: " + (", ".join(f"[{s.id}] {s.move.describe()}" for s in session.chosen()) or "none"))
    pending = session.latest_pending()
    if pending:
        lines.append("  waiting for a decision: " + ", ".join(pending))
    return "\n".join(lines)
