"""Stand-in SLURM commands: snakemake-executor-plugin-slurm runs a whole workflow on this machine.

`install(bin_dir, state_dir, partition=..., account=...)` writes one small executable per SLURM
command into bin_dir (put it first on PATH); each runs this file with its own name. What they do
is what the plugin (and its job-step executor, snakemake-executor-plugin-slurm-jobstep) calls:

- sbatch    records its argument list (state_dir/sbatch.jsonl), takes the job from `--wrap=CMD`
            (or a script file, /dev/stdin), starts it detached in a session of its own (setsid)
            as `/bin/sh -c CMD` in the `-D` folder, with output and errors to the `--output`
            file (%j = the job id) and SLURM_JOB_ID & co. set; prints the job id (`--parsable`).
            When the job ends its exit code is written to state_dir/jobs/<id>.json.
- sacct     `--name RUN --format=JobIdRaw,State`: one `<id>|<STATE>` line per job of that name,
            RUNNING, COMPLETED (exit code 0), FAILED or CANCELLED; `-o Account`: the account;
            anything else (a failed job's step reasons): nothing.
- squeue    `--name RUN --format=%i|%T`: the same lines.
- sinfo     `-o %P`: the partition (the plugin only detects SLURM by sinfo being on PATH).
- sacctmgr  (and sshare): the account, the only one the user has.
- scontrol  `show config`: MinJobAge and MaxArraySize; anything else fails.
- srun      drops its options (`-n1`, `--cpu-bind=q`, `--cpus-per-task=N` or `-c N`, ...),
            records the command (state_dir/srun.jsonl) and execs it.
- scancel   ends the sessions of the given jobs.

Only the jobs that sbatch started are ever signalled (`cancel_unfinished(state_dir)` after a
run that did not end cleanly).
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = ("sbatch", "sacct", "squeue", "sinfo", "sacctmgr", "sshare", "scontrol", "srun",
            "scancel")
# sbatch options of the form `-X VALUE` / `--opt VALUE` (the plugin writes these with a space)
SBATCH_VALUE_OPTIONS = {
    "-A", "--account", "-p", "--partition", "-t", "--time", "-J", "--job-name", "-o",
    "--output", "-e", "--error", "-D", "--chdir", "--comment", "--mem", "--mem-per-cpu",
    "--clusters", "-M", "-C", "--constraint", "--qos", "-q", "-n", "--ntasks", "-c",
    "--cpus-per-task", "-N", "--nodes", "--gres", "--exclude", "-x", "--array", "-a",
    "--reservation", "--ntasks-per-gpu", "--ntasks-per-node", "--cpus-per-gpu", "-G", "--gpus",
}
SBATCH_FLAGS = {"--parsable", "--requeue", "--no-requeue", "--exclusive"}
SRUN_VALUE_OPTIONS = {
    "-n", "--ntasks", "-c", "--cpus-per-task", "-N", "--nodes", "--mem", "--mem-per-cpu", "-J",
    "--job-name", "--jobid", "-G", "--gpus", "--gres", "-t", "--time", "-p", "--partition",
    "-A", "--account", "--cpu-bind",
}


def install(bin_dir: Path, state_dir: Path, *, partition: str, account: str) -> Path:
    """Write the stand-in commands into bin_dir; their records go to state_dir."""
    bin_dir, state_dir = Path(bin_dir), Path(state_dir)
    bin_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "jobs").mkdir(parents=True, exist_ok=True)
    (state_dir / "cluster.json").write_text(json.dumps({"partition": partition,
                                                         "account": account}))
    for name in COMMANDS:
        exe = bin_dir / name
        exe.write_text("#!/bin/sh\nexec " + " ".join(
            shlex.quote(str(p)) for p in (sys.executable, Path(__file__).resolve(), name,
                                          state_dir.resolve())) + ' "$@"\n')
        exe.chmod(0o755)
    return bin_dir


# --- records -----------------------------------------------------------------------------------

class Locked:
    """An exclusive lock on state_dir/lock (sbatch may be called from two threads at once)."""

    def __init__(self, state: Path):
        self.path = state / "lock"

    def __enter__(self):
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def append(path: Path, record: dict) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def jobs(state: Path) -> list[dict]:
    """Every job sbatch started, in submission order, with its state so far."""
    found = [json.loads(p.read_text()) for p in (state / "jobs").glob("*.json")]
    return sorted(found, key=lambda job: int(job["id"]))


def sbatch_calls(state: Path) -> list[dict]:
    """[{"id", "argv", "options", "command"}] of every sbatch call, in order."""
    path = state / "sbatch.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def srun_calls(state: Path) -> list[list[str]]:
    """The commands srun ran (options dropped), in order."""
    path = state / "srun.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def slurm_state(job: dict) -> str:
    if job.get("cancelled"):
        return "CANCELLED"
    if "exit_code" not in job:
        return "RUNNING"
    return "COMPLETED" if job["exit_code"] == 0 else "FAILED"


def cancel_unfinished(state: Path) -> list[str]:
    """End the sessions of the jobs sbatch started that have not finished; their ids."""
    ended = []
    for job in jobs(state):
        if "exit_code" not in job and job.get("pid"):
            try:
                os.killpg(job["pid"], signal.SIGTERM)
                ended.append(job["id"])
            except ProcessLookupError:
                pass
    return ended


def option_value(args: list[str], *names: str) -> str | None:
    """The value of the last of `--opt VALUE`, `--opt=VALUE` or `-oVALUE` for names."""
    value = None
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                value = args[i + 1]
            elif name.startswith("--") and arg.startswith(name + "="):
                value = arg[len(name) + 1:]
    return value


# --- the commands ------------------------------------------------------------------------------

def parse_sbatch(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """({option: value} (flags: ""), positional arguments); unknown options fail loudly."""
    options, positional, i = {}, [], 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and "=" in arg:
            key, value = arg.split("=", 1)
            options[key] = value
        elif arg in SBATCH_VALUE_OPTIONS:
            if i + 1 >= len(args):
                raise SystemExit(f"sbatch: option {arg} requires an argument")
            options[arg] = args[i + 1]
            i += 1
        elif arg in SBATCH_FLAGS:
            options[arg] = ""
        elif arg.startswith("-") and arg != "-":
            raise SystemExit(f"sbatch (stand-in): unrecognized option {arg!r}")
        else:
            positional.append(arg)
        i += 1
    return options, positional


def sbatch(state: Path, args: list[str]) -> int:
    options, positional = parse_sbatch(args)
    if "--wrap" in options:
        if positional:
            raise SystemExit("sbatch: error: script arguments not permitted with --wrap option")
        command = options["--wrap"]
    elif positional:
        script = positional[0]
        command = sys.stdin.read() if script in ("-", "/dev/stdin") else Path(script).read_text()
    else:
        raise SystemExit("sbatch: error: no --wrap and no batch script")
    with Locked(state):
        counter = state / "last_job_id"
        job_id = str(int(counter.read_text()) + 1 if counter.exists() else 4001)
        counter.write_text(job_id)
        workdir = options.get("-D") or options.get("--chdir") or os.getcwd()
        output = options.get("--output") or options.get("-o") or "slurm-%j.out"
        output = output.replace("%j", job_id).replace("%A", job_id).replace("%a", "0")
        job = {"id": job_id, "name": options.get("--job-name") or options.get("-J") or "wrap",
               "options": options, "command": command, "workdir": workdir,
               "output": str(Path(workdir, output)), "submitted": time.time()}
        write_json(state / "jobs" / f"{job_id}.json", job)
        append(state / "sbatch.jsonl", {"id": job_id, "argv": args, "options": options,
                                        "command": command})
    subprocess.Popen([sys.executable, __file__, "_run", str(state), job_id],
                     start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
    print(job_id if "--parsable" in options else f"Submitted batch job {job_id}")
    return 0


def run_job(state: Path, job_id: str) -> int:
    """The detached side of sbatch: run the job, then record its exit code."""
    path = state / "jobs" / f"{job_id}.json"
    with Locked(state):
        job = json.loads(path.read_text())
        job.update(pid=os.getpid(), started=time.time())
        write_json(path, job)
    options = job["options"]
    env = dict(os.environ,
               SLURM_JOB_ID=job_id, SLURM_JOBID=job_id, SLURM_JOB_NAME=job["name"],
               SLURM_CLUSTER_NAME="standin", SLURM_NTASKS=options.get("--ntasks", "1"),
               SLURM_CPUS_PER_TASK=options.get("--cpus-per-task", "1"),
               SLURM_JOB_PARTITION=options.get("-p", ""), SLURM_JOB_ACCOUNT=options.get("-A", ""),
               SLURM_MEM_PER_NODE=options.get("--mem", ""), SLURM_SUBMIT_DIR=job["workdir"],
               SLURM_JOB_NUM_NODES="1", SLURM_NODELIST="localhost")
    output = Path(job["output"])
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "ab") as out:
        code = subprocess.call(["/bin/sh", "-c", job["command"]], cwd=job["workdir"], env=env,
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    with Locked(state):
        job = json.loads(path.read_text())
        job.update(exit_code=code, ended=time.time())
        write_json(path, job)
    return 0


def status_lines(state: Path, name: str | None) -> str:
    return "".join(f"{job['id']}|{slurm_state(job)}\n" for job in jobs(state)
                   if name is None or job["name"] == name)


def sacct(state: Path, args: list[str]) -> int:
    fmt = option_value(args, "--format", "-o") or ""
    if fmt.lower().startswith("account"):
        print(json.loads((state / "cluster.json").read_text())["account"])
    elif "state" in fmt.lower() and "jobid" in fmt.lower():
        sys.stdout.write(status_lines(state, option_value(args, "--name")))
    return 0


def squeue(state: Path, args: list[str]) -> int:
    sys.stdout.write(status_lines(state, option_value(args, "--name", "-n")))
    return 0


def srun(state: Path, args: list[str]) -> int:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] in SRUN_VALUE_OPTIONS:  # `-n 1`, `--cpus-per-task 2`; not `-n1`, `--x=y`
            i += 1
        i += 1
    command = args[i:]
    if not command:
        raise SystemExit("srun: fatal: No command given to execute.")
    with Locked(state):
        append(state / "srun.jsonl", command)
    os.execvp(command[0], command)


def scancel(state: Path, args: list[str]) -> int:
    for job_id in (a for a in args if not a.startswith("-")):
        for one in job_id.split(","):
            path = state / "jobs" / f"{one.split('_')[0]}.json"
            if not path.exists():
                continue
            with Locked(state):
                job = json.loads(path.read_text())
                job["cancelled"] = True
                write_json(path, job)
            if job.get("pid") and "exit_code" not in job:
                try:
                    os.killpg(job["pid"], signal.SIGTERM)
                except ProcessLookupError:
                    pass
    return 0


def main(argv: list[str]) -> int:
    name, state, args = argv[1], Path(argv[2]), argv[3:]
    cluster = json.loads((state / "cluster.json").read_text()) if name != "_run" else {}
    if name == "_run":
        return run_job(state, args[0])
    if name == "sbatch":
        return sbatch(state, args)
    if name == "sacct":
        return sacct(state, args)
    if name == "squeue":
        return squeue(state, args)
    if name == "srun":
        return srun(state, args)
    if name == "scancel":
        return scancel(state, args)
    if name == "sinfo":
        print(f"PARTITION\n{cluster['partition']}*")
        return 0
    if name in ("sacctmgr", "sshare"):
        print(cluster["account"])
        return 0
    if name == "scontrol":
        if args[:2] == ["show", "config"]:
            print("MaxArraySize            = 1001\nMinJobAge               = 300 sec")
            return 0
        print(f"scontrol (stand-in): {' '.join(args)} not supported", file=sys.stderr)
        return 1
    raise SystemExit(f"unknown stand-in command {name}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
