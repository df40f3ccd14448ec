"""Stand-ins for conda and Apptainer, which cannot be installed here.

They answer exactly what Snakemake asks before it builds or enters anything — conda's version,
platform and channel priority; Apptainer's version — and record every other call. Inside a
stand-in container (`apptainer exec ... sh -c CMD`) the command runs on the host, so the image's
conda is the stand-in conda. Nothing is built, pulled or run in a container: a dry run through
them plans every job as Snakemake would with the real tools, and the record shows that nothing
else was attempted.
"""

from __future__ import annotations

from pathlib import Path

CONDA = """#!/bin/sh
case "$*" in
  "info --json") echo '{{"platform": "linux-64", "conda_prefix": "/opt/conda", "conda_version": "24.11.3"}}' ;;
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
        (folder / tool).write_text(text.format(calls=calls))
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


if __name__ == "__main__":  # `PATH=$(python tests/standins.py):$PATH snakemake --containerize`
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="hotstars-standins-"))
    write_standins(folder)
    print(folder)
