"""The flow of DESIGN.md holds in the code: ``ui → presets → bridge → analyzers``, analyzers
pure, Qt only in the panel, no import circles (the contracts in ``pyproject.toml``, checked
by import-linter's ``lint-imports``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports() -> list[str]:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "lint-imports is missing: scripts/setup test installs import-linter"
    return [exe, "--no-cache"]


def test_every_import_contract_is_kept():
    proc = subprocess.run(lint_imports(), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "4 kept, 0 broken" in proc.stdout, proc.stdout[-2000:]


def test_the_contracts_catch_an_upward_import(tmp_path):
    """A bridge module that imports presets (the circle this project once had) breaks the
    layer contract: the check is not vacuous."""
    copy = tmp_path / "repo"
    for pkg in ("analyzers", "bridge", "presets", "ui"):
        shutil.copytree(ROOT / pkg, copy / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "bridge" / "upward.py").write_text("from presets import PresetStore\n")
    env = {"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(lint_imports(), cwd=copy, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "bridge.upward -> presets" in proc.stdout
