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


# ---------------------------------------------------------------------------- bot/ import graph


def _module_of(path: Path, root: Path) -> str:
    """``root/pkg/sub/mod.py`` → ``pkg.sub.mod`` (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Every module an import statement that can run names: at module level and inside
    functions, relative ones resolved; not those under ``if TYPE_CHECKING:`` (never executed),
    which is how a handler module names the bot's type without importing it."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if _is_type_checking(node.test):
                for child in node.orelse:
                    self.visit(child)
            else:
                self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import mod`

    Visitor().visit(tree)
    return found


def _import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """module → the modules of the same package it imports when it runs."""
    files = {_module_of(p, root): p for p in sorted((root / package).rglob("*.py"))}
    return {
        name: {
            m
            for m in _runtime_imports(_tree(path), name, path.name == "__init__.py")
            if m in files and m != name
        }
        for name, path in files.items()
    }


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, …, a]``, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_bot_modules_import_each_other_without_a_cycle() -> None:
    graph = _import_graph(ROOT, "bot")
    assert {"bot.client", "bot.views", "bot.review_desk", "bot.exts.check"} <= set(graph)
    assert "bot.views" in graph["bot.client"], "the graph sees bot/'s own imports"
    cycle = _find_cycle(graph)
    assert cycle is None, "bot/ has an import cycle: " + " → ".join(cycle or [])


def test_the_cycle_finder_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    for init in (pkg / "__init__.py", pkg / "sub" / "__init__.py"):
        init.write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import c\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n"
    )
    graph = _import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"}
    assert graph["pkg.sub.b"] == {"pkg", "pkg.c"}
    assert _find_cycle(graph) is None, "an import under TYPE_CHECKING never runs"
    (pkg / "c.py").write_text("import pkg.a\n")
    assert _find_cycle(_import_graph(tmp_path, "pkg")) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]


# ------------------------------------------------------------------------ adapters and the store

BOT = ROOT / "bot"


def _store_accesses(tree: ast.Module) -> list[int]:
    """Lines that read a ``.store`` attribute (``engine.store``, ``state.engine.store``, …)."""
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "store"
    )


def test_store_scan_sees_the_ways_an_adapter_could_reach_the_store(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "from checks.store import open_store\n"  # importing the module is not reaching into one
        "engine.store.claim_count()\n"
        "x = asyncio.to_thread(state.engine.store.review_stats, None)\n"
        "f(self.engine.store)\n"
        "engine.claim_count()\n"
    )
    assert _store_accesses(_tree(sample)) == [2, 3, 4]


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=_rel)
def test_adapters_never_reach_into_the_engines_store(path: Path) -> None:
    """DESIGN.md: an adapter calls the engine; what it needs from storage is an engine method."""
    lines = _store_accesses(_tree(path))
    assert not lines, f"{_rel(path)} reads .store on line(s) {lines}: add an Engine method"


def test_every_public_engine_method_says_what_it_does() -> None:
    """ruff's D1 rules see ``def``s; the engine's delegated names (``review_act = _via(…)``)
    must carry the docstring of what they call."""
    from checks.engine import Engine

    public = [n for n in dir(Engine) if not n.startswith("_") and callable(getattr(Engine, n))]
    assert {"acheck_text", "review_act", "guild_config", "answer_result"} <= set(public)
    undocumented = [n for n in public if not (getattr(Engine, n).__doc__ or "").strip()]
    assert not undocumented, f"Engine methods without a docstring: {undocumented}"
