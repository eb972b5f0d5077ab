"""Parse a Containerfile (Dockerfile syntax) and check what can be checked without an engine.

No container engine runs on these machines, so the image is never built here. What is
checked instead: the file parses into known instructions; it is multi-stage; every file
it COPYs from the build context exists and is not hidden by .dockerignore; every
`COPY --from` names an earlier stage; the lock files are installed with --require-hashes;
the final stage runs as a numeric non-root user and its command starts a module that exists.
`check_services` checks that every service folder is copied, installed, imported and exposed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

INSTRUCTIONS = {
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
    "MAINTAINER",
}


class ContainerfileError(Exception):
    """The file does not parse."""


@dataclass
class Instruction:
    """One instruction: its keyword, its arguments as written, and its first line."""

    keyword: str
    args: str
    line: int


def parse(text: str) -> list[Instruction]:
    """Split a Containerfile into instructions (comments dropped, continuations joined)."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue  # comments may sit inside a continued instruction too
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        line = " ".join(p.strip() for p in pending if p.strip())
        pending = []
        keyword, _, args = line.partition(" ")
        if keyword.upper() not in INSTRUCTIONS:
            raise ContainerfileError(f"line {start}: unknown instruction {keyword!r}")
        if not args.strip():
            raise ContainerfileError(f"line {start}: {keyword} needs arguments")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
    if pending:
        raise ContainerfileError("the file ends inside a continued line")
    if not instructions:
        raise ContainerfileError("empty Containerfile")
    return instructions


@dataclass
class Stage:
    """A build stage: its name (or index) and its instructions."""

    name: str
    base: str
    instructions: list[Instruction]


def stages(instructions: list[Instruction]) -> list[Stage]:
    """The build stages, in order; only ARG may come before the first FROM."""
    result: list[Stage] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            words = ins.args.split()
            words = [w for w in words if not w.startswith("--platform")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(result))
            if len(words) not in (1, 3):
                raise ContainerfileError(f"line {ins.line}: FROM <image> [AS <name>]")
            result.append(Stage(name, words[0], []))
        elif not result:
            if ins.keyword != "ARG":
                raise ContainerfileError(f"line {ins.line}: {ins.keyword} before the first FROM")
        else:
            result[-1].instructions.append(ins)
    if not result:
        raise ContainerfileError("no FROM")
    return result


def _copy_parts(args: str) -> tuple[dict[str, str], list[str], str]:
    if args.startswith("["):
        import json

        words = json.loads(args)
    else:
        words = shlex.split(args)
    flags = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    if len(words) < 2:
        raise ContainerfileError(f"COPY needs a source and a destination: {args}")
    return flags, words[:-1], words[-1]


def dockerignore_patterns(context: Path) -> list[tuple[bool, str]]:
    """(negated, pattern) in file order."""
    path = context / ".dockerignore"
    if not path.is_file():
        return []
    patterns = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        patterns.append((negated, line.lstrip("!").strip("/")))
    return patterns


def _pattern_matches(pattern: str, path: str) -> bool:
    regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    regex = regex.replace(r"\?", "[^/]")
    parts = path.split("/")
    # A pattern matching a directory excludes everything under it.
    return any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1))


def ignored(patterns: list[tuple[bool, str]], path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative, '/'-separated) out of the context: the last match wins."""
    excluded = False
    for negated, pattern in patterns:
        if _pattern_matches(pattern, path):
            excluded = not negated
    return excluded


def _context_files(context: Path, source: str) -> list[str]:
    target = context / source
    if target.is_dir():
        return [p.relative_to(context).as_posix() for p in target.rglob("*") if p.is_file()]
    return [p.relative_to(context).as_posix() for p in context.glob(source) if p.is_file()]


def check(containerfile: Path, context: Path) -> list[str]:
    """Problems with the Containerfile, built from `context` (empty = fine)."""
    try:
        all_stages = stages(parse(containerfile.read_text()))
    except ContainerfileError as exc:
        return [f"{containerfile.name}: {exc}"]
    problems = []
    if len(all_stages) < 2:
        problems.append("the image must be built in stages (builder, runtime)")
    patterns = dockerignore_patterns(context)
    names = []
    for stage in all_stages:
        for ins in stage.instructions:
            if ins.keyword not in ("COPY", "ADD"):
                continue
            flags, sources, _dest = _copy_parts(ins.args)
            if "from" in flags:
                if flags["from"] not in names:
                    problems.append(f"line {ins.line}: COPY --from={flags['from']} names no earlier stage")
                continue
            if ins.keyword == "ADD":
                problems.append(f"line {ins.line}: use COPY, not ADD")
            for source in sources:
                files = _context_files(context, source)
                if not files:
                    problems.append(f"line {ins.line}: {source} does not exist in the build context")
                    continue
                kept = [f for f in files if not ignored(patterns, f)]
                if not kept:
                    problems.append(f"line {ins.line}: {source} is excluded by .dockerignore")
                # A package copied without its pyproject.toml cannot be installed.
                project = f"{source.rstrip('/')}/pyproject.toml"
                if project in files and project not in kept:
                    problems.append(f"line {ins.line}: .dockerignore drops {project}")
        names.append(stage.name)
    runs = " ".join(i.args for s in all_stages for i in s.instructions if i.keyword == "RUN")
    for lock in ("requirements-bootstrap.txt", "requirements.txt"):
        if not re.search(rf"--require-hashes[^&;]*-r {re.escape(lock)}", runs):
            problems.append(f"{lock} must be installed with --require-hashes")
    final = all_stages[-1]
    users = [i.args for i in final.instructions if i.keyword == "USER"]
    if not users:
        problems.append("the final stage must set USER")
    else:
        uid = users[-1].split(":")[0]
        if not uid.isdigit() or uid == "0":
            problems.append(
                f"USER {users[-1]}: must be a numeric, non-root UID (runAsNonRoot can verify only a number)"
            )
    cmd = [i.args for i in final.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
    if not cmd:
        problems.append("the final stage has no CMD")
    else:
        import json

        try:
            argv = json.loads(cmd[-1])
        except ValueError:
            argv = []
            problems.append("CMD must be in exec form (a JSON list) so signals reach Python")
        if argv[:2] == ["python", "-m"] and len(argv) > 2:
            service = argv[2].removeprefix("frontdoor_")
            if not (context / "services" / service / argv[2] / "__main__.py").is_file():
                problems.append(f"CMD runs {argv[2]}, which has no __main__.py")
    return problems


def check_services(containerfile: Path, context: Path, ports: dict[str, int]) -> list[str]:
    """Every service (name -> port) is in the image: its folder copied, installed as a regular
    package and imported at build time, its port exposed, and every file of its package
    (templates, static files, catalogues: package data, not only Python) in the build context."""
    all_stages = stages(parse(containerfile.read_text()))
    patterns = dockerignore_patterns(context)
    copied = set()
    runs, exposed = [], set()
    for stage in all_stages:
        for ins in stage.instructions:
            if ins.keyword == "COPY":
                flags, sources, _dest = _copy_parts(ins.args)
                if "from" not in flags:
                    copied |= {s.rstrip("/") for s in sources}
            elif ins.keyword == "RUN":
                runs.append(ins.args)
            elif ins.keyword == "EXPOSE":
                exposed |= {int(p.split("/")[0]) for p in ins.args.split()}
    run = " ".join(runs)
    problems = []
    for service, port in ports.items():
        folder = f"services/{service}"
        if folder not in copied:
            problems.append(f"{service}: {folder}/ is not copied into the image")
        if not re.search(rf"pip install [^&;]*\./{re.escape(folder)}(\s|$)", run):
            problems.append(f"{service}: ./{folder} is not installed")
        if not re.search(rf"import [^\"&;]*\bfrontdoor_{service}\b", run):
            problems.append(f"{service}: frontdoor_{service} is not imported at build time")
        if port not in exposed:
            problems.append(f"{service}: port {port} is not exposed")
        package = context / folder / f"frontdoor_{service}"
        for path in sorted(package.rglob("*")):
            relative = path.relative_to(context).as_posix()
            if path.is_file() and "__pycache__" not in path.parts and ignored(patterns, relative):
                problems.append(f"{service}: .dockerignore drops {relative}")
    return problems
