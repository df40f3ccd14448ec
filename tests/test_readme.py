"""Every shell command in README.md is true: each one runs here, for real or as a dry run, or is
skipped with a one-line reason.

Commands are the lines of the README's shell code blocks (```bash, sh, shell, console) and the
inline code spans in its text that start with a program (`snakemake ...`, `python ...`, ...).
`#` starts a comment, a trailing `\\` continues a line, `&&` chains are split into commands (a
step that only writes a file, `echo '...' > f.yaml`, is run first, in the same folder, as the
setup of the commands after it). Two comment forms are read: `# f.yaml: {yaml}` (the file the
command reads: written before it runs) and `# or config/x.yaml` (a second command with that
file instead of its sibling). `<placeholders>` are filled in from PLACEHOLDERS.

How a command runs here is decided by RULES: the first rule whose pattern matches the command
(as typed, `re.search`) applies. A command no rule matches fails its test: add a rule. Every
command runs in a private copy of the repository (never in this checkout):

- where ``fresh``: a copy with nothing built; ``finished``: a copy of the session's finished
  default run (fixture `run_dir`: `snakemake --cores 2` on the small mock), its products
  included. Both copies hold the workflow and benchmarks/, tests/, pyproject.toml, README.md.
- how ``run``: the command as typed, through bash; ``dry``: with Snakemake's `-n` added (config
  checked, the whole DAG built and every job planned, none run); ``pip``: `pip install --dry-run`
  (resolved against PyPI and the project's metadata, nothing installed; every extra named must
  exist); ``help``: the script with `--help` only (every `--option` the command uses must be in
  it); ``skip``: not run, for the reason given.
- data ``placeholders``: an empty file wherever the run's plan reads a data file, so the
  parse-time missing-data check passes (a dry run opens no file); ``as_run``: also the finished
  default run's products copied into the folder of the command's run (a report of another run).
- slurm: stand-ins for the SLURM commands that submit (sbatch, srun, salloc, scancel, sacct)
  that record the call and fail; standins: conda and Apptainer answer Snakemake's start-up
  questions (tests/standins.py), so the profile's `software-deployment-method` stays as it is.

A command that exits non-zero fails, showing the command, its exit code and the tail of its
output; so does a missing `expect` pattern, a present `absent` pattern, or a `-> results/x/`
claim of its comment that the run does not bear out. ~1 min plus the session's `run_dir`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

import pytest
import yaml
from snakemake.utils import update_config, validate
from standins import write_standins, write_traps
from workflow_utils import ROOT, RUN, copy_workflow

from hotstars.io import realdata
from hotstars.workflow.plan import RunPlan

README = ROOT / "README.md"
#: what a copy holds besides the workflow itself (copy_workflow): what commands may use
REPO_EXTRAS = ("benchmarks", "tests", "pyproject.toml", "README.md")
#: programs an inline code span of two or more words may start with to be a command (`--profile`,
#: `astropy.table` or the word `snakemake` are not commands)
PROGRAMS = {"snakemake", "python", "python3", "pip", "pip3", "pytest", "bash", "sh", "conda",
            "mamba", "apptainer", "singularity", "docker", "podman", "sbatch", "srun", "salloc",
            "echo", "printf", "cat", "cd", "git", "make", "ruff", "uv"}
SHELL_BLOCKS = {"bash", "sh", "shell", "zsh", "console", "shell-session"}
#: <placeholder> -> what it stands for here (inputs from the finished default run)
PLACEHOLDERS = {
    "<run>": "mock",
    "<spAll>": f"{RUN}/inputs/spAll-mock.fits",
    "<astraAllVisitBossNet>": f"{RUN}/inputs/astraAllVisitBossNet-mock.fits",
}
#: a step of an && chain that only writes a file (setup of the commands after it)
WRITES_FILE = re.compile(r"^(echo|printf)\b.*>\s*[\w./-]+$")
SLURM_SUBMIT = ("sbatch", "srun", "salloc", "scancel", "sacct")


# --- reading the README ------------------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    text: str                                  # as typed in the README (placeholders kept)
    line: int                                  # README line
    source: str = "fenced"                     # fenced | inline
    comment: str = ""
    setup: tuple[str, ...] = ()                # earlier steps of its && chain that write a file
    files: tuple[tuple[str, str], ...] = ()    # (name, YAML) its comment spells out

    @property
    def chain(self) -> str:
        return " && ".join((*self.setup, self.text))


def _split_unquoted(line: str, sep: str) -> list[str]:
    """``line`` split at every ``sep`` outside single or double quotes."""
    parts, quote, start, i = [], None, 0, 0
    while i < len(line):
        char = line[i]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif line.startswith(sep, i):
            parts.append(line[start:i])
            i = start = i + len(sep)
            continue
        i += 1
    return [*parts, line[start:]]


def split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of a shell line: the comment starts at an unquoted `#` after a blank."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].strip(), line[i + 1:].strip()
    return line.strip(), ""


def commands_of(line: str, lineno: int, source: str = "fenced") -> list[Command]:
    """The commands of one logical shell line (continuations joined)."""
    code, comment = split_comment(line)
    if not code:
        return []
    steps = [step.strip() for step in _split_unquoted(code, "&&")]
    commands, setup = [], []
    for k, step in enumerate(steps):
        last = k == len(steps) - 1
        if WRITES_FILE.match(step) and not last:
            setup.append(step)
            continue
        note = comment if last else ""
        words = step.split()
        files = tuple((name, content) for name, content in
                      re.findall(r"([\w.-]+\.ya?ml): (\{.*\})", note) if name in words)
        commands.append(Command(step, lineno, source, note, tuple(setup), files))
        alternative = re.match(r"or (\S+/\S+\.\w+)$", note)
        if alternative:  # `# or config/dr19.yaml`: the same command with that file
            alt = PurePosixPath(alternative.group(1))
            siblings = [w for w in words if PurePosixPath(w).parent == alt.parent
                        and PurePosixPath(w).suffix == alt.suffix]
            assert siblings, f"README line {lineno}: `# {note}` names no sibling in `{step}`"
            variant = re.sub(rf"(?<!\S){re.escape(siblings[-1])}(?!\S)", str(alt), step)
            commands.append(Command(variant, lineno, source, "", tuple(setup), files))
    return commands


def block_commands(body: list[tuple[int, str]], console: bool) -> list[Command]:
    """Commands of a shell code block: every line (console: lines after a `$ ` prompt)."""
    commands, pending, start = [], "", 0
    for lineno, raw in body:
        line = raw.strip()
        if not pending:
            if console:
                if not line.startswith("$ "):
                    continue  # output
                line = line[2:]
            elif line.startswith("$ "):
                line = line[2:]
            start = lineno
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        commands += commands_of(pending + line, start)
        pending = ""
    assert not pending, f"README line {start}: a `\\` continuation runs off its code block"
    return commands


def readme_commands(text: str) -> list[Command]:
    """Every command of a Markdown text: shell code blocks, then inline code spans."""
    lines = text.splitlines()
    commands, prose, i = [], [], 0
    while i < len(lines):
        fence = re.match(r"^\s*(```|~~~)\s*([\w+-]*)", lines[i])
        if not fence:
            prose.append(lines[i])
            i += 1
            continue
        prose.append("")
        body, i = [], i + 1
        while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
            body.append((i + 1, lines[i]))
            prose.append("")
            i += 1
        prose.append("")
        i += 1
        lang = fence.group(2).lower()
        if lang in SHELL_BLOCKS:
            commands += block_commands(body, console=lang in ("console", "shell-session"))
    text = "\n".join(prose)  # the code blocks blanked: line numbers kept
    for span in re.finditer(r"(?<!`)`([^`]+)`(?!`)", text):
        code = " ".join(span.group(1).split())
        words = code.split(" ")
        if "\n\n" in span.group(1) or len(words) < 2 or words[0] not in PROGRAMS:
            continue  # not a command: `--profile`, `astropy.table`, the word `snakemake`
        commands += commands_of(code, text.count("\n", 0, span.start()) + 1, "inline")
    unique = {}
    for command in commands:
        unique.setdefault(command.chain, command)
    return list(unique.values())


COMMANDS = readme_commands(README.read_text())


# --- how each command runs here ----------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    pattern: str                   # re.search on the command as typed
    how: str                       # run | dry | pip | help | skip
    where: str = "fresh"           # fresh | finished
    why: str = ""                  # what it proves, or why it is skipped
    data: str | None = None        # placeholders | as_run
    slurm: bool = False            # stand-ins for the SLURM commands on PATH
    standins: tuple[str, ...] = ()  # conda, apptainer: stand-ins on PATH (tests/standins.py)
    expect: tuple[str, ...] = ()   # regexes that must be in its output
    absent: tuple[str, ...] = ()   # regexes that must not
    check: Callable | None = field(default=None, compare=False)  # check(workdir, command, output)


def same_as_committed(workdir: Path, command: str, output: str) -> None:
    """`snakemake --containerize > F`: F is a Dockerfile, identical to the committed F if any."""
    target = re.search(r">\s*(\S+)$", command)
    written = (workdir / target.group(1)).read_text() if target else output
    assert written.startswith("FROM "), written[:2000]
    committed = ROOT / target.group(1) if target else None
    if committed and committed.is_file():
        assert written == committed.read_text(), (
            f"{committed.name} is out of date: regenerate it with `{command}`")


def wrote_the_copy(workdir: Path, command: str, output: str) -> None:
    """`slurm_resources.py ... --write` rewrote the copy's SLURM profile, not this checkout's."""
    assert f"updated {workdir}/profiles/slurm/profile.yaml" in output, tail(output)


RULES = [
    # --- not run here
    Rule(r"^(python3? -m )?pytest\b", "skip", why="the test suite itself (this test is in it)"),
    Rule(r"^bash \.ci/run\b", "skip", why="the whole CI from scratch: a new venv, then pytest"),
    Rule(r"^(apptainer|singularity|docker|podman)\b", "skip",
         why="container build/run: no container runtime in the test environment"),
    Rule(r"^(sbatch|srun|salloc)\b", "skip", why="submits to a SLURM cluster"),
    # --- installs: resolved, not installed
    Rule(r"^pip3? install\b", "pip", why="resolves against PyPI; the extras exist"),
    Rule(r"^(echo|printf)\b.*>\s*\S+$", "run", why="writes a file"),
    # --- Snakemake
    Rule(r"^snakemake --containerize\b", "run", standins=("conda",), check=same_as_committed,
         why="Snakemake asks conda for the envs' pin-file platform; output = committed file"),
    Rule(r"^snakemake\b.*--software-deployment-method\b.*\bapptainer\b", "dry", slurm=True,
         standins=("conda", "apptainer"),
         why="plans every job in the image's conda environments (tests/test_container.py)"),
    Rule(r"^snakemake\b.*--software-deployment-method\b.*\bconda\b", "dry", slurm=True,
         standins=("conda",), why="plans every job in its conda environment"),
    Rule(r"^snakemake\b.*--workflow-profile profiles/slurm\b", "dry", slurm=True,
         standins=("conda",),
         expect=(r"workflow specific profile profiles/slurm", r"slurm_partition="),
         why="every job planned as a SLURM job; nothing submitted"),
    Rule(rf"^snakemake --report {RUN}/\S+$", "run", "finished", expect=(r"Report created",),
         why="the report of the finished default run"),
    Rule(r"^snakemake --report \S+ --configfile\b", "run", "finished", data="as_run",
         expect=(r"Report created",), why="the report of another run, once its products exist"),
    Rule(r"^snakemake\b.*\bconfig/vac\.yaml download\.yaml\b", "dry",
         expect=(r"rule download:", r"rule vac_kinematics_inputs:"),
         why="no data yet: plans the VAC's download and the run on it"),
    Rule(r"^snakemake\b.*\bfetch\.yaml\b", "dry",
         expect=(r"rule download:", r"rule archive_source_ids:", r"rule query_archive:",
                 r"rule ingest:"), absent=(r"rule simulate_survey:",),
         why="no data yet: plans the downloads, the archive queries and the run on them"),
    Rule(r"^snakemake\b.*\bdownload\.yaml\b", "dry", expect=(r"this run only downloads",),
         absent=(r"rule ingest:",), why="no data yet: plans only the SAS downloads"),
    Rule(r"^snakemake\b.*\bconfig/(dr19|dr20|vac)\.yaml\b", "dry", data="placeholders",
         expect=(r"rule (ingest|vac_kinematics_inputs):",), absent=(r"rule simulate_survey:",),
         why="with its data files in place, plans the run on them (no mock)"),
    Rule(r"^snakemake\b.*\bconfig/mock_\w+\.yaml\b", "dry", expect=(r"rule simulate_survey:",),
         why="plans the larger mock"),
    Rule(r"^snakemake --cores \d+ --configfile config/config\.yaml (?!config/)\S+\.ya?ml$", "dry",
         "finished", expect=(r"Job stats",),
         absent=(r"rule simulate_survey:", r"rule build_isochrone_grid:"),
         why="an overlay of your own on a finished run: only downstream products planned"),
    Rule(r"^snakemake --cores \d+( --rerun-incomplete)?$", "run", "finished",
         expect=(r"Nothing to be done",),
         why="run_dir was made by `snakemake --cores 2`; again, it has nothing to do"),
    Rule(r"^snakemake --unlock$", "run", "finished", expect=(r"Unlocked working directory",)),
    Rule(r"^snakemake -n$", "run", why="a dry run already"),
    # --- Python
    Rule(r"^python3? -m hotstars source-ids\b", "run", "finished",
         expect=(r"Gaia DR3 ids written to",), why="on the finished mock's spAll and BOSS Net"),
    Rule(r"^hotstars source-ids\b", "run", "finished", expect=(r"Gaia DR3 ids written to",),
         why="on the finished mock's spAll and BOSS Net"),
    Rule(r"^hotstars provenance\b", "run", "finished",
         expect=(r"rule: +select_hss",
                 r"sample/targets\.parquet +[\d,]+ bytes +sha256 [0-9a-f]{64}"),
         why="on a product of the finished mock run"),
    Rule(r"^hotstars --help$", "run", expect=(r"source-ids", r"provenance")),
    Rule(r"^hotstars (query|fetch)\b", "help", why="needs the Gaia archive or the SAS: --help"),
    Rule(r"^python3? benchmarks/slurm_resources\.py\b", "run", "finished", check=wrote_the_copy,
         why="on the finished mock's benchmarks (--write rewrites the copy's profile)"),
    Rule(r"^python3? benchmarks/\w+\.py\b", "help",
         why="the benchmarks take minutes (and --write-readme rewrites README.md)"),
]


def rule_of(command: Command) -> Rule | None:
    return next((r for r in RULES if re.search(r.pattern, command.text)), None)


# --- running a command -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shims(tmp_path_factory) -> Path:
    """snakemake, python, pip, hotstars of this interpreter, whatever is on PATH."""
    folder = tmp_path_factory.mktemp("shims")
    for name, run in [("snakemake", "-m snakemake"), ("python", ""), ("python3", ""),
                      ("pip", "-m pip"), ("pip3", "-m pip"), ("hotstars", "-m hotstars")]:
        (folder / name).write_text(f'#!/bin/sh\nexec "{sys.executable}" {run} "$@"\n')
        (folder / name).chmod(0o755)
    return folder


def repository_copy(dest: Path, finished: Path | None) -> Path:
    """A private copy of the repository: the finished run's folder, or nothing built."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    if finished is not None:
        shutil.copytree(finished, dest, symlinks=True, ignore=ignore)
    else:
        copy_workflow(dest)
    for part in REPO_EXTRAS:
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, dest / part, ignore=ignore, dirs_exist_ok=True)
        else:
            shutil.copy2(ROOT / part, dest / part)
    return dest


def fill_placeholders(text: str, command: Command) -> str:
    for name in re.findall(r"<[A-Za-z][\w.-]*>", text):
        assert name in PLACEHOLDERS, (f"README line {command.line}: placeholder {name} in "
                                      f"`{command.chain}`: add it to PLACEHOLDERS in {__file__}")
        text = text.replace(name, PLACEHOLDERS[name])
    return text


def configfiles(command: str) -> list[str]:
    """The files after --configfile, in order."""
    words, files, taking = shlex.split(command), [], False
    for word in words:
        if word in ("--configfile", "--configfiles"):
            taking = True
        elif word.startswith("-"):
            taking = False
        elif taking:
            files.append(word)
    return files


def run_config(workdir: Path, command: str) -> dict:
    """The config the command's run sees: config/config.yaml (the Snakefile's), then each
    --configfile, schema defaults filled in (as Snakemake and the Snakefile build it)."""
    config = {}
    for name in ["config/config.yaml", *configfiles(command)]:
        update_config(config, yaml.safe_load((workdir / name).read_text()) or {})
    validate(config, str(workdir / "workflow" / "schemas" / "config.schema.yaml"))
    return config


def put_data(workdir: Path, command: str, how: str) -> None:
    config = run_config(workdir, command)
    plan = RunPlan(config)
    if how == "as_run":
        products = workdir / "results" / plan.name
        if not products.exists():
            shutil.copytree(workdir / RUN, products, symlinks=True)
    made = []
    for key in plan.used_input_keys():
        path = workdir / plan.inputs[key]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
            made.append(key)
    assert made or how == "as_run", f"`{command}` reads no data file: a mock run? (check RULES)"


def shell(script: str, workdir: Path, path: list[Path], timeout: int,
          pythonpath: list[Path] = ()) -> subprocess.CompletedProcess:
    """Run ``script`` in bash in ``workdir``: ``path`` first on PATH, the copy's src (and
    ``pythonpath``, e.g. the SLURM plugin's folder) first on PYTHONPATH."""
    env = dict(os.environ, PYTHONHASHSEED="0",
               PATH=os.pathsep.join([*map(str, path), os.environ["PATH"]]),
               PYTHONPATH=os.pathsep.join(filter(None, [str(workdir / "src"),
                                                        *map(str, pythonpath),
                                                        os.environ.get("PYTHONPATH")])))
    return subprocess.run(["bash", "-o", "pipefail", "-c", script], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=timeout)


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def as_here(text: str, how: str) -> str:
    """The command as it runs here."""
    if how == "dry":
        return re.sub(r"^snakemake\b", "snakemake -n", text)
    if how == "pip":
        return re.sub(r"^(pip3? install)\b", r"\1 --dry-run", text)
    if how == "help":
        return re.match(r"^(python3? \S+|hotstars \S+)", text).group(0) + " --help"
    return text


def check_pip(command: str, output: str) -> None:
    """Every extra of the project a `pip install` names exists in pyproject.toml."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get(
        "optional-dependencies", {})
    for group in re.findall(r"(?<![\w/-])['\"]?\.\[([^\]]+)\]", command):
        for extra in group.split(","):
            assert extra.strip() in extras, f"no extra {extra.strip()!r} in pyproject.toml"
    assert "does not provide the extra" not in output, tail(output)


def _param(command: Command):
    rule = rule_of(command)
    marks = [pytest.mark.workflow] if rule and rule.where == "finished" else []
    return pytest.param(command, id=command.chain, marks=marks)


@pytest.mark.parametrize("command", [_param(c) for c in COMMANDS])
def test_readme_command(command, request, shims, tmp_path):
    rule = rule_of(command)
    assert rule, (f"README line {command.line}: `{command.chain}` matches no rule of RULES in "
                  "tests/test_readme.py: add one saying how it runs here (or skip it, with why)")
    if rule.how == "skip":
        pytest.skip(rule.why)
    finished = request.getfixturevalue("run_dir") if rule.where == "finished" else None
    workdir = repository_copy(tmp_path / "repo", finished)
    text = fill_placeholders(command.text, command)
    path = [shims]
    for setup in command.setup:
        proc = shell(fill_placeholders(setup, command), workdir, path, timeout=60)
        assert proc.returncode == 0, f"setup `{setup}` failed:\n{tail(proc.stdout + proc.stderr)}"
    for name, content in command.files:
        (workdir / name).write_text(content + "\n")
    if rule.data:
        put_data(workdir, text, rule.data)
    calls = None
    if rule.standins:
        write_standins(tmp_path / "standins", rule.standins)
        path.append(tmp_path / "standins")
    pythonpath = []
    if rule.slurm:
        calls = write_traps(tmp_path / "fake_slurm", SLURM_SUBMIT)  # submit nothing
        path.append(tmp_path / "fake_slurm")
        plugin = request.getfixturevalue("slurm_plugin")  # tests/slurm_plugin.py
        pythonpath += [plugin] if plugin else []

    here = as_here(text, rule.how)
    proc = shell(here, workdir, path, timeout=1800, pythonpath=pythonpath)
    output = proc.stdout + proc.stderr
    where = f"{rule.how}, {rule.where} copy" + (f", data {rule.data}" if rule.data else "")
    assert proc.returncode == 0, (
        f"README line {command.line}: `{command.chain}` exited {proc.returncode}\n"
        f"ran `{here}` ({where}) in {workdir}\n--- output (tail):\n{tail(output)}")
    for pattern in rule.expect:
        assert re.search(pattern, output), (
            f"README line {command.line}: `{here}` printed no {pattern!r}:\n{tail(output)}")
    for pattern in rule.absent:
        assert not re.search(pattern, output), (
            f"README line {command.line}: `{here}` printed {pattern!r}:\n{tail(output)}")
    if calls is not None:
        assert not calls.exists(), f"SLURM commands called: {calls.read_text()}"
    if rule.how == "pip":
        check_pip(text, output)
    if rule.how == "help":
        for option in re.findall(r"(?<!\S)(--[\w-]+)", text):
            assert option in output, f"`{here}` lists no {option}:\n{tail(output)}"
    if rule.check:
        rule.check(workdir, text, output)
    for claim in re.findall(r"->\s*(results/[\w.-]+/)", command.comment):
        assert claim in output or (workdir / claim).is_dir(), (
            f"README line {command.line}: `{command.text}` says -> {claim}; not there:\n"
            f"{tail(output)}")


# --- the reader itself and the message that quotes the README ----------------------------------

def test_readme_has_fenced_and_inline_commands():
    sources = {c.source for c in COMMANDS}
    assert sources == {"fenced", "inline"} and len(COMMANDS) >= 10
    assert "snakemake --cores 2" in {c.text for c in COMMANDS}


def test_commands_are_read_like_a_shell_reads_them():
    text = "\n".join([
        "Run `snakemake --report results/x/report.html --configfile",
        "config/config.yaml config/x.yaml` and see `--profile`, `astropy.table.Table.read(p)`,",
        "the whole `snakemake` call.",
        "```bash",
        "pip install -e '.[test]' && snakemake --cores 2   # all # of it",
        "snakemake --cores 2 \\",
        "    --configfile config/config.yaml config/a.yaml    # or config/b.yaml",
        "echo 'a: {b: true}' > o.yaml && snakemake -n --configfile config/config.yaml o.yaml",
        "snakemake --configfile config/config.yaml mine.yaml  # mine.yaml: {sample: {snr_min: 25}}",
        "# a comment line",
        "```",
        "```",
        "snakemake --not-a-command-in-a-plain-block",
        "```",
        "```console",
        "$ python -m hotstars source-ids <spAll> <astraAllVisitBossNet> ids.vot",
        "120 Gaia DR3 ids written to ids.vot",
        "```",
    ])
    got = readme_commands(text)
    assert [(c.text, c.line, c.source) for c in got] == [
        ("pip install -e '.[test]'", 5, "fenced"),
        ("snakemake --cores 2", 5, "fenced"),
        ("snakemake --cores 2 --configfile config/config.yaml config/a.yaml", 6, "fenced"),
        ("snakemake --cores 2 --configfile config/config.yaml config/b.yaml", 6, "fenced"),
        ("snakemake -n --configfile config/config.yaml o.yaml", 8, "fenced"),
        ("snakemake --configfile config/config.yaml mine.yaml", 9, "fenced"),
        ("python -m hotstars source-ids <spAll> <astraAllVisitBossNet> ids.vot", 16, "fenced"),
        ("snakemake --report results/x/report.html --configfile config/config.yaml "
         "config/x.yaml", 1, "inline"),
    ]
    assert got[1].comment == "all # of it"
    assert got[4].setup == ("echo 'a: {b: true}' > o.yaml",)
    assert got[5].files == (("mine.yaml", "{sample: {snr_min: 25}}"),)
    assert configfiles(got[2].text) == ["config/config.yaml", "config/a.yaml"]


def test_missing_files_message_gives_the_readme_download_command():
    """The overlay a missing-files message offers is one the README runs: download.yaml for SAS
    files alone (the VAC), fetch.yaml when archive files are missing too."""
    setups = {step for c in COMMANDS for step in c.setup}
    spall = realdata.DataFile("spall", "data/dr20/spAll.fits.gz", url="https://sas/spAll.fits.gz")
    gaia = realdata.DataFile("gaia", "data/dr20/gaia.fits", archive="Gaia archive: gaia_source")
    for files, overlay in (([spall], realdata.DOWNLOAD_OVERLAY),
                           ([spall, gaia], realdata.FETCH_ALL_OVERLAY),
                           ([gaia], realdata.FETCH_ALL_OVERLAY)):
        assert f"`{overlay}`" in realdata.missing_files_message(files)
        assert overlay in setups
