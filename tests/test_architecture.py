"""The architecture, checked rather than hoped: what may import what (import-linter
contracts in pyproject.toml, run by `make test`), the one tenancy mechanism with its
narrow escapes, and every model registered in one place."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[1] / "portal"

# Infrastructure that spans every authority by nature may use system_scope: the outbox
# relay and embedded runner, CLI commands, demo data. Feature code
# uses tenancy.read_across / values_across / writing_as instead.
SYSTEM_SCOPE_ALLOWED = {
    "tenancy.py",
    "demo.py",
    "jobs/relay.py",
    "jobs/embedded.py",
    "tenants/cli.py",
}


def _python_files():
    return sorted(p for p in PORTAL.rglob("*.py") if "static" not in p.parts)


def _names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.name for alias in node.names)
    return names


def test_feature_code_never_uses_the_broad_system_scope():
    offenders = [
        str(path.relative_to(PORTAL))
        for path in _python_files()
        if str(path.relative_to(PORTAL)) not in SYSTEM_SCOPE_ALLOWED
        and "system_scope" in _names_used(path)
    ]
    assert offenders == [], f"use tenancy.read_across or writing_as in {offenders}"


def test_portal_models_imports_every_model():
    """Alembic's env and anyone reading the code rely on portal.models listing them all."""
    probe = """
import importlib, pkgutil, portal
from portal.extensions import db
import portal.models
listed = set(db.metadata.tables)
for module in pkgutil.walk_packages(portal.__path__, "portal."):
    if module.name.endswith(".models") and module.name != "portal.models":
        importlib.import_module(module.name)
print(sorted(set(db.metadata.tables) - listed))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# Files you can read in one sitting: a module over this many lines wants splitting by what
# it does, a function over FUNCTION_LINES wants its steps named.
FILE_LINES, FUNCTION_LINES = 400, 60


def test_modules_and_functions_stay_small():
    too_long = []
    for path in _python_files():
        text = path.read_text()
        name = str(path.relative_to(PORTAL))
        if len(text.splitlines()) > FILE_LINES:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > FUNCTION_LINES:
                    too_long.append(f"{name}: {node.name}() is {length} lines")
    assert too_long == []
