"""The command line's manners: every command and action says what it does in ``--help``, and
output into a pipe whose reader has gone (``secondear analyze … | head -1``) ends quietly."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from signals import pink_noise, write_wav16
from ui.cli.main import BROKEN_PIPE_STATUS, build_parser

ROOT = Path(__file__).resolve().parents[2]
RATE = 48000


def subcommands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (path, parser) below ``parser``: ``("daw", "status")``, ``("presets", "export")``…"""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from subcommands(sub, (*path, name))


def test_every_command_and_action_has_a_description():
    found = dict(subcommands(build_parser()))
    # the tree is walked to its leaves: nested actions are there
    assert {("daw", "status"), ("plugins", "scan"), ("presets", "export"), ("daw", "serve")} <= set(found)
    missing = [" ".join(path) for path, sub in found.items() if not (sub.description or "").strip()]
    assert missing == [], f"no --help description for: {', '.join(missing)}"


@pytest.fixture(scope="module")
def wav(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("pipe") / "noise.wav"
    write_wav16(path, pink_noise(np.random.default_rng(5), 2.0, RATE, level_dbfs=-20.0), RATE)
    return str(path)


def run_into_closed_pipe(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``secondear ARGS`` with stdout a pipe whose reading end is already closed: the
    first write fails, as it does once ``head -1`` has its line and exits."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = dict(os.environ, PYTHONPATH=str(ROOT),
               SECONDEAR_PLUGIN_INDEX=str(tmp_path / "plugin-index.json"))  # fmt: skip
    try:
        return subprocess.run([sys.executable, "-m", "ui.cli", *args], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, env=env, timeout=120)  # fmt: skip
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", [["analyze", "{wav}"], ["suggest", "{wav}"], ["plugins", "list"]],
                         ids=["analyze", "suggest", "plugins-list"])  # fmt: skip
def test_output_into_a_closed_pipe_ends_quietly(command, wav, tmp_path):
    done = run_into_closed_pipe([a.format(wav=wav) for a in command], tmp_path)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == BROKEN_PIPE_STATUS, (done.returncode, done.stderr)


def test_the_same_commands_into_an_open_pipe_succeed(wav, tmp_path):
    """The control: with a reader, the same command writes its output and exits 0."""
    done = subprocess.run([sys.executable, "-m", "ui.cli", "analyze", wav], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))  # fmt: skip
    assert done.returncode == 0 and "noise.wav" in done.stdout, done.stderr


@pytest.mark.parametrize("command", [["analyze"], ["suggest"], ["apply", "-o", "{out}"]], ids=["analyze", "suggest", "apply"])
def test_an_error_is_said_once_on_stderr(command, wav, tmp_path, capsys):
    """A file that cannot be read, beside one that can: its error is one line on stderr naming
    it, and nothing of it on stdout (each error was printed twice on a terminal, once on each
    stream); the good file's result is on stdout. With ``--json`` the failed file's
    ``{"path", "error"}`` stays in the JSON, the contract for readers of stdout."""
    from ui.cli import main

    missing = str(tmp_path / "gone.wav")
    args = [a.format(out=tmp_path / "out") for a in command] + ["--no-taste"] * (command[0] != "analyze")
    code = main([args[0], wav, missing, *args[1:]])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines() == [f"secondear: {missing}: no such file"], err
    assert "gone.wav" not in out and "error:" not in out and "noise.wav" in out
    code = main([args[0], wav, missing, *args[1:], "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and err.splitlines() == [f"secondear: {missing}: no such file"]
    assert [r.get("error") for r in json.loads(out)] == [None, f"{missing}: no such file"]
