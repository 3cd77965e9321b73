"""The Dockerfile, read the way ``docker build`` reads it (there is no Docker engine here).

A small parser turns it into instructions (comments dropped, ``\\`` continuations joined, exec-form
JSON arrays decoded) grouped by stage; the tests check the properties operators rely on.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, …
    args: str  # the rest of the logical line, continuations joined
    line: int  # where it starts (1-based)

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form instruction, else None."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        value = json.loads(text)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), self
        return value

    def flags(self) -> tuple[dict[str, str], list[str]]:
        """``--name=value`` flags and the remaining words (shell-split)."""
        words = shlex.split(self.args)
        flags: dict[str, str] = {}
        while words and words[0].startswith("--"):
            name, _, value = words.pop(0)[2:].partition("=")
            flags[name] = value
        return flags, words


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def index(self, keyword: str) -> int:
        return next(n for n, i in enumerate(self.instructions) if i.keyword == keyword)

    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in self.all("ENV"):
            words = shlex.split(i.args)
            if len(words) == 2 and "=" not in words[0]:  # legacy `ENV KEY value`
                out[words[0]] = words[1]
                continue
            for w in words:
                key, _, value = w.partition("=")
                out[key] = value
        return out


def parse(text: str) -> list[Instruction]:
    """Logical instructions of a Dockerfile (the default ``\\`` escape character)."""
    out: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction are dropped
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        logical = " ".join(p for p in pending if p)
        pending = []
        keyword, _, args = logical.partition(" ")
        out.append(Instruction(keyword.upper(), args.strip(), start))
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def global_args(instructions: list[Instruction]) -> dict[str, str]:
    """The ``ARG NAME=default`` values declared before the first FROM (what FROM may use)."""
    out: dict[str, str] = {}
    for i in instructions:
        if i.keyword == "FROM":
            break
        if i.keyword == "ARG":
            name, _, default = i.args.partition("=")
            out[name.strip()] = default.strip()
    return out


def stages(instructions: list[Instruction]) -> list[Stage]:
    """The build stages; a FROM image written ``${ARG}`` is read with the ARG's default."""
    args = global_args(instructions)
    out: list[Stage] = []
    for i in instructions:
        if i.keyword == "FROM":
            m = re.fullmatch(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", i.args, re.IGNORECASE)
            assert m, i
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda v: args[v[1] or v[2]], m.group(1))
            out.append(Stage(image, m.group(2)))
        else:
            assert out or i.keyword == "ARG", f"{i.keyword} before the first FROM"
            if out:
                out[-1].instructions.append(i)
    return out


def _ignore_regex(pattern: str) -> re.Pattern[str]:
    """A ``.dockerignore`` pattern (Go filepath.Match plus ``**``) as a regular expression."""
    p, out, i = pattern.strip("/"), "", 0
    while i < len(p):
        if p.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif p.startswith("**", i):
            out, i = out + ".*", i + 2
        elif p[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif p[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(p[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether ``.dockerignore`` leaves ``path`` (or a folder above it) out of the context."""
    parts = Path(path).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _ignore_regex(pattern[1:] if negate else pattern)
        if any(regex.match(c) for c in candidates):
            ignored = not negate
    return ignored


@pytest.fixture(scope="module")
def dockerfile() -> list[Stage]:
    return stages(parse((ROOT / "Dockerfile").read_text()))


@pytest.fixture(scope="module")
def final(dockerfile: list[Stage]) -> Stage:
    return dockerfile[-1]


# ------------------------------------------------------------------------------ the parser


def test_the_parser_joins_continuations_and_drops_comments() -> None:
    text = (
        "# a comment\n"
        "FROM python:3.11-slim AS base\n"
        "RUN echo one \\\n"
        "# a comment inside\n"
        "  && echo two\n"
        "\n"
        'ENV A=1 \\\n    B="two words"\n'
        'CMD ["bot"]\n'
    )
    [stage] = stages(parse(text))
    assert stage.image == "python:3.11-slim" and stage.name == "base"
    assert [i.keyword for i in stage.instructions] == ["RUN", "ENV", "CMD"]
    assert stage.instructions[0].args == "echo one && echo two"
    assert stage.instructions[0].line == 3
    assert stage.env() == {"A": "1", "B": "two words"}
    assert stage.instructions[2].exec_form == ["bot"]
    assert dockerignored("bench/.cache/x", ["bench/.cache"])
    assert dockerignored("bot/__pycache__/a.pyc", ["**/__pycache__"])
    assert not dockerignored("bot/web.py", ["**/__pycache__", "tests"])
    assert not dockerignored("samples/a.db.txt", ["*.db"])


# ------------------------------------------------------------------------------ the image


def test_two_stages_on_a_slim_python_base(dockerfile: list[Stage]) -> None:
    assert len(dockerfile) == 2
    for stage in dockerfile:
        assert re.fullmatch(r"python:3\.1[1-9][\w.]*-slim(-\w+)?", stage.image), stage.image
    deps, final = dockerfile
    assert deps.name, "the dependencies stage is named so the second can copy from it"
    from_deps = [i for i in final.all("COPY") if i.flags()[0].get("from") == deps.name]
    assert from_deps, "the second stage copies the installed dependencies from the first"


def test_dependencies_are_installed_before_the_source_is_copied(
    dockerfile: list[Stage],
) -> None:
    deps, final = dockerfile
    copied = [w for i in deps.all("COPY") for w in i.flags()[1][:-1]]
    assert copied == ["requirements.lock"], "the dependency layer depends on the lock alone"
    assert any("pip install" in i.args for i in deps.all("RUN"))
    # in the final stage the installed dependencies arrive before any source
    first_source = next(
        n
        for n, i in enumerate(final.instructions)
        if i.keyword == "COPY" and "from" not in i.flags()[0]
    )
    from_deps = next(
        n
        for n, i in enumerate(final.instructions)
        if i.keyword == "COPY" and i.flags()[0].get("from") == deps.name
    )
    assert from_deps < first_source


def test_it_runs_as_a_non_root_user_created_in_the_image(final: Stage) -> None:
    [user] = final.all("USER")
    name = user.args.split(":")[0]
    assert name not in {"root", "0"}
    assert any(re.search(rf"useradd\b.*\b{re.escape(name)}\b", i.args) for i in final.all("RUN"))
    position = final.instructions.index(user)
    assert position < final.index("ENTRYPOINT") and position < final.index("CMD")
    later_runs = [i for i in final.instructions[position:] if i.keyword == "RUN"]
    assert not later_runs, "nothing is installed after dropping root"


def test_entrypoint_is_crosscheck_and_the_default_command_the_bot(final: Stage) -> None:
    [entrypoint] = final.all("ENTRYPOINT")
    [cmd] = final.all("CMD")
    assert entrypoint.exec_form == ["crosscheck"]
    assert cmd.exec_form == ["bot"]


def test_the_healthcheck_asks_healthz_on_the_web_port(final: Stage) -> None:
    [check] = final.all("HEALTHCHECK")
    flags, words = check.flags()
    assert words[0] == "CMD"
    assert {"interval", "timeout"} <= set(flags)
    command = check.args.split("CMD", 1)[1]
    env = final.env()
    # the port comes from the environment at check time, defaulting to the image's own
    assert "/healthz" in command and "127.0.0.1:" in command
    assert "CROSSCHECK_WEB_PORT" in command and f"'{env['CROSSCHECK_WEB_PORT']}'" in command
    assert env["CROSSCHECK_WEB_HOST"] == "0.0.0.0"  # reachable through a published port
    exposed = {p for i in final.all("EXPOSE") for p in i.args.split()}
    assert env["CROSSCHECK_WEB_PORT"] in exposed


def test_the_store_lives_on_a_volume(final: Stage) -> None:
    volumes = [v for i in final.all("VOLUME") for v in (i.exec_form or i.args.split())]
    env = final.env()
    db = env["CROSSCHECK_DB"]
    assert any(db.startswith(v.rstrip("/") + "/") for v in volumes), (db, volumes)
    folder = db.rsplit("/", 1)[0]
    user = final.all("USER")[0].args.split(":")[0]
    assert any(
        "chown" in i.args and folder in i.args and user in i.args for i in final.all("RUN")
    ), "the non-root user can write its store"
    assert env["CROSSCHECK_LOG_FORMAT"] == "json"


def test_every_copied_path_exists_and_is_in_the_build_context(dockerfile: list[Stage]) -> None:
    ignore = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for stage in dockerfile:
        for copy in stage.all("COPY") + stage.all("ADD"):
            flags, words = copy.flags()
            if "from" in flags:
                continue
            for src in words[:-1]:
                assert (ROOT / src).exists(), f"Dockerfile:{copy.line}: {src} does not exist"
                assert not dockerignored(src, ignore), f"{src} is excluded by .dockerignore"
    config = (ROOT / "sources.yaml").read_text()
    shipped = {w for c in dockerfile[-1].all("COPY") for w in c.flags()[1][:-1]}
    for path in re.findall(r"^\s+path:\s*(\S+)", config, re.MULTILINE):
        top = Path(path).parts[0]
        assert top in shipped, f"sources.yaml reads {path}, which the image does not contain"


def test_the_readme_shows_how_to_build_and_run_it() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docker build -t crosscheck ." in readme
    assert "docker run" in readme and "-v crosscheck-data:/data" in readme


# ------------------------------------------------------------------------------ reproducible builds

LOCK = ROOT / "requirements.lock"


def _lock_entries() -> dict[str, tuple[str, list[str]]]:
    """``requirements.lock`` as name → (pinned version, hashes)."""
    text = LOCK.read_text().replace("\\\n", " ")
    out: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, *options = line.split()
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^;\s]+)", requirement)
        assert m, f"requirements.lock: not pinned with ==: {line[:80]}"
        hashes = [o.removeprefix("--hash=sha256:") for o in options if o.startswith("--hash=")]
        out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = (m.group(2), hashes)
    return out


def test_the_base_image_is_one_argument_that_takes_a_digest(dockerfile: list[Stage]) -> None:
    instructions = parse((ROOT / "Dockerfile").read_text())
    args = global_args(instructions)
    froms = [i.args.split()[0] for i in instructions if i.keyword == "FROM"]
    assert froms == ["${PYTHON_IMAGE}"] * len(dockerfile), "every stage on the same base"
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.1[1-9][\w.]*-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), base
    text = (ROOT / "Dockerfile").read_text()
    assert "# digest:" in text and "@sha256:<digest>" in text, "how to pin it is said beside it"
    assert "@sha256:" in (ROOT / "README.md").read_text(), "the README says how to refresh it"


def test_every_dependency_is_pinned_with_hashes_pip_and_the_build_backend_too() -> None:
    import tomllib

    entries = _lock_entries()
    for name, (_version, hashes) in entries.items():
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), name
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"], "pip"]
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]).lower()
        assert name in entries, f"{name} is not in requirements.lock"


def test_dependencies_install_from_the_lock_and_the_source_builds_offline(
    dockerfile: list[Stage],
) -> None:
    deps, final = dockerfile
    installs = [i.args for i in deps.all("RUN") if "pip install" in i.args]
    assert installs and all(
        "--require-hashes" in a and "-r requirements.lock" in a for a in installs
    ), installs
    assert not any("--upgrade" in i.args for i in deps.all("RUN")), "pip comes from the lock"
    builds = [i.args for i in final.all("RUN") if "pip install" in i.args]
    assert builds, "crosscheck itself is installed in the final stage"
    for b in builds:  # the locked backend builds it: nothing is fetched on a source edit
        assert "--no-build-isolation" in b and "--no-deps" in b and "--no-index" in b, b


def test_the_runtime_user_does_not_own_the_application(final: Stage) -> None:
    user = final.all("USER")[0].args.split(":")[0]
    for i in final.all("RUN"):
        if "chown" in i.args:
            assert "/app" not in i.args, f"Dockerfile:{i.line}: {user} must not own /app"
    assert final.all("WORKDIR")[-1].args == "/app"
