"""Per notebook, the kernel's peak memory and CPU time, and an idle Jupyter server's memory: a room's sizing.

Each of the six notebooks runs with papermill in a fresh kernel (as the headless runner does), from a copy
that ends with one added cell: it prints the kernel's own `getrusage` (peak resident memory, user and system
CPU seconds, its children's too). Both are counted by the kernel of the operating system, not sampled, and a
busy machine changes neither much (it does change the wall time, recorded too). Then a Jupyter server
starts with no kernel, and its resident memory is read after it answers: what each learner's server costs
before any notebook runs. Last, notebook 05 runs again for N learners at the same time (`--together N`),
each in a copy of the folder notebooks 01-04 prepared: the wall time a room waits when everyone presses run.

    python benchmarks/classroom_sizing.py --json benchmarks/results/classroom-sizing.json [-p NAME VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import papermill
import psutil
import requests
from results_files import write_result  # same script folder
from train_speed import machine

from workshop_lib.paths import notebook_sources

MIB = 1024**2
USAGE = """\
import json as _json, resource as _resource
_own, _children = (_resource.getrusage(w) for w in (_resource.RUSAGE_SELF, _resource.RUSAGE_CHILDREN))
print("@usage " + _json.dumps({
    "peak_rss_kib": _own.ru_maxrss, "cpu_seconds": _own.ru_utime + _own.ru_stime,
    "children_peak_rss_kib": _children.ru_maxrss,
    "children_cpu_seconds": _children.ru_utime + _children.ru_stime,
}))"""


def kernel_usage(source: Path, folder: Path, parameters: dict) -> dict:
    """Run a copy of notebook `source` with the usage cell added; return what that cell printed."""
    notebook = nbformat.read(source, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(USAGE))
    copy, executed = folder / source.name, folder / f"executed-{source.name}"
    nbformat.write(notebook, copy)
    start = time.perf_counter()
    papermill.execute_notebook(
        str(copy), str(executed), parameters=parameters, cwd=str(source.parent), progress_bar=False
    )
    wall = time.perf_counter() - start
    printed = "".join(o.get("text", "") for o in nbformat.read(executed, as_version=4).cells[-1].outputs)
    usage = json.loads(printed.split("@usage ", 1)[1])
    return {
        "peak_rss_mib": round(usage["peak_rss_kib"] / 1024, 1),
        "cpu_seconds": round(usage["cpu_seconds"], 1),
        "children_peak_rss_mib": round(usage["children_peak_rss_kib"] / 1024, 1),
        "children_cpu_seconds": round(usage["children_cpu_seconds"], 1),
        "wall_seconds": round(wall, 1),
    }


def together(source: Path, prepared: Path, folder: Path, parameters: dict, learners: int) -> list[float]:
    """Wall seconds of notebook `source` run by `learners` kernels at once, each on a copy of `prepared`."""
    started = []
    for n in range(learners):
        out = folder / f"learner-{n}"
        shutil.copytree(prepared, out, ignore=shutil.ignore_patterns("model", "checkpoints"))
        own = parameters | {"OUTPUT_DIR": str(out)}
        command = [sys.executable, "-m", "papermill", "--no-progress-bar", "--cwd", str(source.parent)]
        command += [str(source), str(folder / f"executed-{n}-{source.name}")]
        command += [arg for name, value in own.items() for arg in ("-p", name, str(value))]
        started.append((time.perf_counter(), subprocess.Popen(command, stdout=subprocess.DEVNULL)))
    walls: list[float | None] = [None] * learners
    while None in walls:  # each learner's own end, whichever finishes first
        for n, (start, process) in enumerate(started):
            if walls[n] is None and process.poll() is not None:
                if process.returncode != 0:
                    raise RuntimeError(f"{source.name} failed for one of {learners} learners")
                walls[n] = round(time.perf_counter() - start, 1)
        time.sleep(0.2)
    return walls


def idle_server_rss_mib(folder: Path) -> float:
    """Resident memory of a Jupyter server (JupyterLab enabled, no kernel) once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(8)
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={folder}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5)
                if answer.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the Jupyter server did not start")
            time.sleep(0.5)
        requests.get(f"http://127.0.0.1:{port}/lab?token={token}", timeout=30)  # the page a learner opens
        return round(psutil.Process(server.pid).memory_info().rss / MIB, 1)
    finally:
        server.terminate()
        server.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    """Measure every notebook, then an idle server; print and optionally save the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "-p",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a notebook parameter (PROFILE defaults to smoke)",
    )
    parser.add_argument("--together", type=int, default=2, help="learners who run notebook 05 at once")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sizing-") as tmp:
        folder = Path(tmp)
        parameters = {"PROFILE": "smoke", "OUTPUT_DIR": str(folder / "artifacts")} | dict(args.p)
        notebooks = {}
        for source in notebook_sources():
            notebooks[source.stem] = kernel_usage(source, folder, parameters)
            print(source.stem, notebooks[source.stem], flush=True)
        server = idle_server_rss_mib(folder)
        training = notebook_sources()[4]
        walls = together(training, Path(parameters["OUTPUT_DIR"]), folder, parameters, args.together)
    print("idle Jupyter server:", server, "MiB")
    print(f"notebook 05, {args.together} learners at once: {walls} s")
    results = {
        "what": "per notebook, in a fresh kernel each (papermill): the kernel's peak resident memory and CPU "
        "seconds (getrusage, its own and its children's); then an idle Jupyter server's resident memory",
        "parameters": {k: v for k, v in parameters.items() if k != "OUTPUT_DIR"},
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python benchmarks/classroom_sizing.py " + " ".join(sys.argv[1:]),
        "machine": machine() | {"load_average_1min_at_end": round(os.getloadavg()[0], 1)},
        "notebooks": notebooks,
        "idle_server_rss_mib": server,
        "together": {"notebook": training.stem, "learners": args.together, "wall_seconds": walls},
    }
    if args.json:
        write_result(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
