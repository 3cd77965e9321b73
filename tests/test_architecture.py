"""The engine's rooms: checks/ never imports discord (or the adapters), and every module says
what it exports with __all__."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "checks"
MODULES = sorted(p for p in CHECKS.rglob("*.py") if p.name != "__init__.py")


def _rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_modules(tree: ast.Module) -> set[str]:
    """Every module an import statement names, anywhere in the file (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def test_there_are_modules_to_check() -> None:
    names = {_rel(p) for p in MODULES}
    assert {"checks/claims.py", "checks/engine.py", "checks/store/sqlite.py"} <= names


@pytest.mark.parametrize("path", sorted(CHECKS.rglob("*.py")), ids=_rel)
def test_engine_never_imports_discord(path: Path) -> None:
    imported = {_top(m) for m in _imported_modules(_tree(path))}
    assert "discord" not in imported, f"{_rel(path)} imports discord"


@pytest.mark.parametrize("path", sorted(CHECKS.rglob("*.py")), ids=_rel)
def test_engine_never_imports_the_adapters(path: Path) -> None:
    imported = {_top(m) for m in _imported_modules(_tree(path))}
    assert "bot" not in imported, f"{_rel(path)} imports from bot/"


def test_import_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "def f():\n    import discord.ext.commands\n"
        "def g():\n    from discord import Embed\n"
        "def h():\n    importlib.import_module('discord')\n"
    )
    assert _imported_modules(_tree(sample)) == {"discord.ext.commands", "discord"}


def _module_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.If | ast.Try):
            sub = ast.Module(body=[*node.body, *getattr(node, "orelse", [])], type_ignores=[])
            names |= _module_level_names(sub)
    return names


def _declared_all(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            value = ast.literal_eval(node.value)  # type: ignore[arg-type]
            return list(value)
    return None


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_every_module_declares_all(path: Path) -> None:
    declared = _declared_all(_tree(path))
    assert declared is not None, f"{_rel(path)} has no __all__"
    assert all(isinstance(n, str) for n in declared)


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_all_names_exist_and_are_public(path: Path) -> None:
    tree = _tree(path)
    declared = _declared_all(tree) or []
    missing = set(declared) - _module_level_names(tree)
    assert not missing, f"{_rel(path)} exports names it does not define: {sorted(missing)}"
    assert not [n for n in declared if n.startswith("_")], f"{_rel(path)} exports private names"
    assert len(declared) == len(set(declared)), f"{_rel(path)} lists a name twice in __all__"


def test_ruff_bans_discord_under_checks() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"discord".msg' in text
