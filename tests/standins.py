"""Stand-ins for conda and Apptainer, which cannot be installed here.

`write_standins`: they answer exactly what Snakemake asks before it builds or enters anything —
conda's version, platform and channel priority; Apptainer's version — and record every other
call. Inside a stand-in container (`apptainer exec ... sh -c CMD`) the command runs on the host,
so the image's conda is the stand-in conda. Nothing is built, pulled or run in a container: a dry
run through them plans every job as Snakemake would with the real tools, and the record shows
that nothing else was attempted.

`write_conda_building_envs`: a conda that also builds what Snakemake asks for, so that a whole
run goes through `--software-deployment-method conda`: `conda env create --file F --prefix P`
makes a virtual environment at P holding F's pinned packages (their PyPI names,
:func:`venv_tools.fresh_venv`) and nothing else, and `source <conda>/bin/activate P`, which
Snakemake puts before every job's command, puts P's interpreter first on PATH. Each environment
gets a probe (its sitecustomize) that records, for every job script run by its interpreter, the
environment, the script and any module the script imported from outside the environment, the
standard library and the workflow's folder (`env_jobs`): Snakemake's preamble appends its own
environment's paths to the job's, so a package missing from the environment would be found
there. The probe sees the imports made after the preamble, which itself loads Snakemake's
modules (from the job's environment first).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# {build}: nothing, or the lines of the conda that builds environments (CONDA_BUILDS)
CONDA = """#!/bin/sh
{build}case "$*" in
  "info --json") echo '{{"platform": "linux-64", "conda_prefix": "{prefix}", "conda_version": "24.11.3"}}' ;;
  "--version") echo "conda 24.11.3" ;;
  "config --get channel_priority --json") echo '{{"get": {{"channel_priority": "strict"}}}}' ;;
  *) echo "conda $*" >> "{calls}"; exit 1 ;;
esac
"""

APPTAINER = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "apptainer version 1.3.4"; exit 0; fi
echo "apptainer $*" >> "{calls}"
while [ $# -gt 0 ]; do
  if [ "$1" = "-c" ]; then shift; exec sh -c "$1"; fi
  shift
done
exit 1
"""


def write_standins(folder: Path, tools=("conda", "apptainer")) -> Path:
    """Write the stand-ins into ``folder`` (put it first on PATH); returns the file where every
    call other than the start-up questions is recorded (absent: no such call)."""
    folder.mkdir(parents=True, exist_ok=True)
    calls = folder / "calls.txt"
    for tool in tools:
        text = {"conda": CONDA, "apptainer": APPTAINER}[tool]
        (folder / tool).write_text(text.format(calls=calls, prefix="/opt/conda", build=""))
        (folder / tool).chmod(0o755)
    return calls


def write_traps(folder: Path, names) -> Path:
    """Commands that must not be called (e.g. SLURM's sbatch in a dry run): each records its call
    in the same file as the stand-ins (returned; absent: no call) and fails."""
    folder.mkdir(parents=True, exist_ok=True)
    calls = folder / "calls.txt"
    for name in names:
        (folder / name).write_text(f'#!/bin/sh\necho "$0 $*" >> "{calls}"\nexit 1\n')
        (folder / name).chmod(0o755)
    return calls


# --- a conda that builds environments -----------------------------------------------------------

# Snakemake's `conda env create ...` builds (_env_create); its `conda clean` after each build
# finds no package cache to clean
CONDA_BUILDS = """if [ "$1 $2" = "env create" ]; then exec "{python}" "{module}" env-create "{state}" "$@"; fi
case "$*" in "clean -y --tarballs"*) exit 0 ;; esac
"""

# sourced by Snakemake before each job's command: `source <conda_prefix>/bin/activate ENV; CMD`
ACTIVATE = 'export PATH="$1/bin:$PATH" CONDA_PREFIX="$1"\n'

# the probe: sitecustomize.py of each built environment (jobs end with os._exit: it is wrapped)
PROBE = """import atexit, json, os, sys, sysconfig
_script = next((a for a in sys.argv if ".snakemake/scripts/" in a), None)
if _script:
    _names, _done = set(), []

    def _hook(event, args):  # imports once Snakemake's preamble has set __real_file__
        if event == "import" and "__real_file__" in vars(sys.modules["__main__"]):
            _names.add(args[0].partition(".")[0])

    def _origin(name):
        path = getattr(sys.modules.get(name), "__file__", None)
        return os.path.realpath(path) if path else None

    def _record():
        if _done:
            return
        _done.append(True)
        inside = tuple(os.path.realpath(p) + os.sep for p in (
            sys.prefix, sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib"), os.getcwd()))
        outside = sorted(n for n in _names if _origin(n) and not _origin(n).startswith(inside))
        with open({log!r}, "a") as fh:
            fh.write(json.dumps({{"prefix": sys.prefix, "script": os.path.basename(_script),
                                 "outside": outside}}) + "\\n")

    sys.addaudithook(_hook)
    atexit.register(_record)
    _exit = os._exit
    os._exit = lambda code: (_record(), _exit(code))
"""


def write_conda_building_envs(folder: Path) -> Path:
    """A conda stand-in (module docstring) in ``folder``/bin (put it first on PATH); returns the
    folder holding its records (`built_envs`, `env_jobs`, calls.txt for anything else asked)."""
    bin_dir, state = folder / "bin", folder / "state"
    bin_dir.mkdir(parents=True, exist_ok=True)
    state.mkdir(exist_ok=True)
    conda = bin_dir / "conda"
    build = CONDA_BUILDS.format(python=sys.executable, module=Path(__file__).resolve(),
                                state=state)
    conda.write_text(CONDA.format(build=build, prefix=folder, calls=state / "calls.txt"))
    conda.chmod(0o755)
    (bin_dir / "activate").write_text(ACTIVATE)
    return state


def _env_create(state: Path, args: list[str]) -> int:
    """`conda env create --quiet --no-default-packages --file F --prefix P` (Snakemake's call)."""
    sys.path.insert(0, str(Path(__file__).parent))
    import venv_tools

    from hotstars.workflow.environments import read_environment

    file, prefix = args[args.index("--file") + 1], Path(args[args.index("--prefix") + 1])
    env = read_environment(file)
    python = venv_tools.fresh_venv(prefix, env.requirements())
    site = next(prefix.glob("lib/python*/site-packages"))
    (site / "sitecustomize.py").write_text(PROBE.format(log=str(state / "env_jobs.jsonl")))
    with open(state / "built_envs.jsonl", "a") as fh:
        fh.write(json.dumps({"name": env.name, "file": file, "prefix": str(prefix),
                             "python": str(python)}) + "\n")
    return 0


def built_envs(state: Path) -> list[dict]:
    """The environments the stand-in built: name (the file's `name:`), file and prefix."""
    path = state / "built_envs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def env_jobs(state: Path) -> list[dict]:
    """Per job script run in a built environment: its prefix, script file name and the modules
    it imported from outside the environment, the standard library and the workflow folder."""
    path = state / "env_jobs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


if __name__ == "__main__":
    if sys.argv[1:2] == ["env-create"]:  # the building conda's `env create`
        sys.exit(_env_create(Path(sys.argv[2]), sys.argv[3:]))
    # `PATH=$(python tests/standins.py):$PATH snakemake --containerize`
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="hotstars-standins-"))
    write_standins(folder)
    print(folder)
