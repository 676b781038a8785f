"""workshop.sh itself: the install stamp, which torch it installs, paths from the caller's folder, commands.

Each test runs a copy of workshop.sh and pyproject.toml in a temporary project whose .venv/bin/python is a
shim that records how it was called (and, for `init`, hands over to this test run's real Python), so no
real pip or uv ever runs and the project's own .venv is never touched. The installer is pip unless a test
says otherwise (uv: `test_uv_installs_with_pips_sources_and_pip_takes_over_when_it_fails`).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from workshop_lib.commands.main import COMMANDS
from workshop_lib.commands.run import checked_parameters
from workshop_lib.paths import PROJECT_ROOT

RECORD = "import json, os, sys; print(json.dumps({'cwd': os.getcwd(), 'argv': sys.argv[1:]}))"
PIP = ["-m", "pip", "--quiet", "--disable-pip-version-check"]


def make_project(tmp_path: Path, hand_over: bool = False) -> Path:
    """A project folder with the real workshop.sh and pyproject.toml and a recording .venv/bin/python.

    The shim appends {"cwd", "argv"} to calls.jsonl; `-c 'import torch'` exits $SHIM_TORCH (default 0:
    installed), pip installs exit $SHIM_PIP (default 0), `pip config get` finds nothing, `pip config list`
    prints $SHIM_PIP_CONFIG, workshop.sh's reading of it runs in real Python. With hand_over the shim then
    runs the test's own Python (the project's .venv) with the same arguments.
    """
    root = tmp_path / "project"
    (root / ".venv" / "bin").mkdir(parents=True)
    for name in ("workshop.sh", "pyproject.toml", "constraints.txt"):
        shutil.copy2(PROJECT_ROOT / name, root / name)
    shim = root / ".venv" / "bin" / "python"
    shim.write_text(
        "#!/usr/bin/env bash\n"
        f'"{sys.executable}" -c "{RECORD}" "$@" >> "{root / "calls.jsonl"}"\n'
        'case "$*" in\n'
        '    "-c import torch") exit "${SHIM_TORCH:-0}" ;;\n'
        '    "-c import sys; sys.exit(sys.version_info < (3, 11, 5))") exit "${SHIM_OLD_PYTHON:-0}" ;;\n'
        '    *"uv options from the text of"*) exec "%s" "$@" ;;\n' % sys.executable
        + '    *" config get "*) exit 1 ;;\n'
        '    *" config list") printf "%s\\n" "${SHIM_PIP_CONFIG:-}"; exit 0 ;;\n'
        '    *" install "*) exit "${SHIM_PIP:-0}" ;;\n'
        "esac\n" + (f'exec "{sys.executable}" "$@"\n' if hand_over else "exit 0\n")
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return root


def launch(script: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run workshop.sh as typed in `cwd` (by a path relative to it when possible)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PIP_FIND_LINKS", "WORKSHOP_TORCH", "WORKSHOP_VERSIONS", "PYTHON")
    } | {"WORKSHOP_INSTALLER": "pip"}
    typed = os.path.relpath(script, cwd)
    typed = typed if typed.startswith(".") else f"./{typed}"
    return subprocess.run(
        [typed, *args], cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


VERSION_PROBE = ["-c", "import sys; sys.exit(sys.version_info < (3, 11, 5))"]  # may the pins install here?


def calls(root: Path) -> list[dict]:
    """What the shim was asked, in order (not workshop.sh's Python-version probe); the record is emptied."""
    path = root / "calls.jsonl"
    found = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    path.unlink(missing_ok=True)
    return [call for call in found if call["argv"] != VERSION_PROBE]


def stamps(root: Path) -> list[str]:
    """The install stamps in the project's .venv."""
    return sorted(p.name for p in (root / ".venv").glob(".installed-*"))


def cksum(root: Path) -> str:
    """POSIX cksum of pyproject.toml and constraints.txt, as the script computes it for its stamp."""
    data = (root / "pyproject.toml").read_bytes() + (root / "constraints.txt").read_bytes()
    done = subprocess.run(["cksum"], input=data, capture_output=True, check=True)
    return done.stdout.split()[0].decode()


TESTED = ["--constraint", "constraints.txt"]  # the tested versions: the default


def test_the_install_stamp_installs_once_per_pyproject(tmp_path):
    root = make_project(tmp_path)
    (root / ".venv" / ".installed-123").touch()  # from an older pyproject.toml
    done = launch(root / "workshop.sh", "doctor", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "Installing the workshop into .venv (tested versions) ..." in done.stdout
    assert [c["argv"] for c in calls(root)] == [
        ["-c", "import torch"],  # torch is there: not installed again
        [*PIP, "install", "-e", ".[test]", *TESTED],
        ["-m", "workshop_lib.commands", "doctor"],
    ]
    assert stamps(root) == [f".installed-{cksum(root)}-tested"]

    done = launch(root / "workshop.sh", "doctor", "--profile", "smoke", cwd=root)
    assert done.returncode == 0 and "Installing" not in done.stdout  # stamp present: straight to the command
    expected = ["-m", "workshop_lib.commands", "doctor", "--profile", "smoke"]
    assert [c["argv"] for c in calls(root)] == [expected]

    with (root / "pyproject.toml").open("a") as handle:
        handle.write("# a changed dependency list\n")
    done = launch(root / "workshop.sh", "doctor", cwd=root)
    assert "Installing the workshop" in done.stdout
    assert [c["argv"] for c in calls(root)][1] == [*PIP, "install", "-e", ".[test]", *TESTED]
    assert stamps(root) == [f".installed-{cksum(root)}-tested"]  # only the new one


def test_a_failed_install_leaves_no_stamp_and_runs_nothing(tmp_path):
    root = make_project(tmp_path)
    done = launch(root / "workshop.sh", "doctor", cwd=root, SHIM_PIP="1")
    assert done.returncode != 0
    assert [c["argv"][-1] for c in calls(root)] == ["import torch", "constraints.txt"]  # stopped there
    assert stamps(root) == []  # so the next start tries again
    assert "WORKSHOP_VERSIONS=newest takes the newest versions" in done.stderr
    done = launch(root / "workshop.sh", "doctor", cwd=root)
    assert done.returncode == 0 and "Installing the workshop" in done.stdout


@pytest.mark.parametrize(
    "env, requirement, constraints",
    [
        ({}, "torch==2.13.0", TESTED),  # the tested torch (the constraints file's header names it)
        ({"WORKSHOP_VERSIONS": "newest"}, "torch", []),
        ({"WORKSHOP_TORCH": "torch==2.5.1"}, "torch==2.5.1", TESTED),
        ({"PIP_FIND_LINKS": "WHEELS"}, "torch==2.12.1+cpu", TESTED),  # the CPU wheel found locally
        ({"SHIM_OLD_PYTHON": "1"}, "torch", []),  # the pins need Python 3.11.5: the newest versions instead
        ({"SHIM_OLD_PYTHON": "1", "WORKSHOP_VERSIONS": "tested"}, "torch==2.13.0", TESTED),  # forced
    ],
    ids=["default", "newest", "WORKSHOP_TORCH", "local-cpu-wheel", "old-python", "old-python-forced"],
)
def test_a_missing_torch_is_installed_first(env, requirement, constraints, tmp_path):
    root = make_project(tmp_path)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "torch-2.12.1+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    env = {k: v.replace("WHEELS", str(wheels)) for k, v in env.items()}
    done = launch(root / "workshop.sh", "doctor", cwd=root, SHIM_TORCH="1", **env)
    assert done.returncode == 0, done.stderr
    installs = [c["argv"][len(PIP) :] for c in calls(root) if c["argv"][: len(PIP)] == PIP]
    assert [i for i in installs if i[:1] == ["install"]] == [
        ["install", requirement],
        ["install", "-e", ".[test]", *constraints],
    ]
    chosen = "tested" if constraints else "newest"
    assert stamps(root) == [f".installed-{cksum(root)}-{chosen}"]


def test_init_creates_the_folder_relative_to_where_it_was_typed(tmp_path):
    root = make_project(tmp_path, hand_over=True)
    (root / ".venv" / f".installed-{cksum(root)}-tested").touch()
    elsewhere = tmp_path / "home" / "learner"
    elsewhere.mkdir(parents=True)
    done = launch(root / "workshop.sh", "init", "class/notebooks", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Copied ") and "Installing" not in done.stdout
    copied = elsewhere / "class" / "notebooks"
    expected = sorted(p.name for p in (PROJECT_ROOT / "notebooks").glob("0[1-6]_*.ipynb"))
    assert sorted(p.name for p in copied.glob("0*.ipynb")) == expected and len(expected) == 6
    assert not (root / "class").exists()
    [call] = calls(root)
    assert call == {"cwd": str(elsewhere), "argv": ["-m", "workshop_lib.commands", "init", "class/notebooks"]}

    done = launch(root / "workshop.sh", "init", "class/notebooks", cwd=elsewhere)
    assert (
        done.returncode == 1 and "Not copying: these files already exist" in done.stderr
    )  # never overwrites


def test_commands_get_relative_paths_from_the_callers_folder(tmp_path, monkeypatch):
    root = make_project(tmp_path)
    (root / ".venv" / f".installed-{cksum(root)}-tested").touch()
    caller = tmp_path / "course"
    (caller / "mydata").mkdir(parents=True)
    args = ["-p", "DATA_SOURCE", "mydata", "--run-dir", "runs/first"]
    done = launch(root / "workshop.sh", "run", *args, cwd=caller)
    assert done.returncode == 0, done.stderr
    assert calls(root) == [{"cwd": str(caller), "argv": ["-m", "workshop_lib.commands", "run", *args]}]
    # ... where the runner reads them against that folder
    monkeypatch.chdir(caller)
    assert checked_parameters([("DATA_SOURCE", "mydata")], "smoke")["DATA_SOURCE"] == str(caller / "mydata")

    done = launch(root / "workshop.sh", cwd=caller)  # no command: run
    assert calls(root) == [{"cwd": str(caller), "argv": ["-m", "workshop_lib.commands", "run"]}]
    done = launch(root / "workshop.sh", "compare", "runs/a", "runs/b", cwd=caller)  # the others too
    assert calls(root) == [
        {"cwd": str(caller), "argv": ["-m", "workshop_lib.commands", "compare", "runs/a", "runs/b"]}
    ]


def test_every_word_but_test_and_lab_goes_to_workshop_which_refuses_unknown_ones(tmp_path):
    """The commands are listed in commands/main.py only: the launcher hands on any word it does not handle."""
    root = make_project(tmp_path)
    (root / ".venv" / f".installed-{cksum(root)}-tested").touch()
    launch(root / "workshop.sh", "trian", "--profile", "smoke", cwd=tmp_path)
    assert calls(root) == [
        {"cwd": str(tmp_path), "argv": ["-m", "workshop_lib.commands", "trian", "--profile", "smoke"]}
    ]
    done = subprocess.run(
        [sys.executable, "-m", "workshop_lib.commands", "trian"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 2
    assert "invalid choice: 'trian'" in done.stderr and all(name in done.stderr for name in COMMANDS)


def test_an_unknown_choice_of_versions_exits_2_before_installing(tmp_path):
    root = make_project(tmp_path)
    done = launch(root / "workshop.sh", "doctor", cwd=root, WORKSHOP_VERSIONS="latest")
    assert done.returncode == 2
    assert done.stderr == "WORKSHOP_VERSIONS must be tested or newest, not 'latest'.\n"
    assert calls(root) == []


def pip_installs(root: Path) -> list[list[str]]:
    """The `pip install` calls the shim was asked, their arguments after `install`."""
    return [c["argv"][len(PIP) + 1 :] for c in calls(root) if c["argv"][: len(PIP) + 1] == [*PIP, "install"]]


def test_uv_installs_with_pips_sources_and_pip_takes_over_when_it_fails(tmp_path):
    root = make_project(tmp_path)
    uv = root / ".venv" / "bin" / "uv"  # records its arguments and SSL_CERT_FILE, exits $SHIM_UV
    record = "import json, os, sys; print(json.dumps([os.environ.get('SSL_CERT_FILE'), sys.argv[1:]]))"
    uv.write_text(
        f'#!/usr/bin/env bash\n"{sys.executable}" -c "{record}" "$@" >> "{root / "uv.jsonl"}"\n'
        'exit "${SHIM_UV:-0}"\n'
    )
    uv.chmod(0o755)
    config = (  # as `pip config list` prints it (values as Python writes a str), sorted
        ":env:.cert='/env/ca.pem'\n:env:.default-timeout='180'\n:env:.find-links='/wheels'\n"
        "download.find-links='/not/for/install'\nglobal.cert='/certs/ca.pem'\n"
        "global.constraint='/etc/pip/cap.txt'\nglobal.extra-index-url='file:///mirror/a\\nfile:///mirror/b'\n"
        "global.index-url='https://g/simple'\nglobal.no-index='false'\ninstall.index-url='https://i/simple'"
    )
    env = {"WORKSHOP_INSTALLER": "uv", "SHIM_TORCH": "1", "SHIM_PIP_CONFIG": config}
    done = launch(root / "workshop.sh", "doctor", cwd=root, **env)
    assert done.returncode == 0, done.stderr
    common = (  # PIP_* over [install] over [global], other sections and the timeout left out, one index-url
        "pip install --quiet --python .venv/bin/python --index-strategy unsafe-best-match --compile-bytecode "
        "--find-links /wheels --constraint /etc/pip/cap.txt --extra-index-url file:///mirror/a "
        "--extra-index-url file:///mirror/b --index-url https://i/simple"
    ).split()
    asked = [json.loads(line) for line in (root / "uv.jsonl").read_text().splitlines()]
    assert asked == [
        ["/env/ca.pem", [*common, "torch==2.13.0"]],
        ["/env/ca.pem", [*common, "-e", ".[test]", *TESTED]],
    ]
    assert pip_installs(root) == []  # pip stayed idle

    (root / "uv.jsonl").unlink()
    for stamp in stamps(root):
        (root / ".venv" / stamp).unlink()
    done = launch(root / "workshop.sh", "doctor", cwd=root, SHIM_UV="1", **env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("uv could not install that; trying pip ...") == 2
    assert pip_installs(root) == [["torch==2.13.0"], ["-e", ".[test]", *TESTED]]


def test_uv_is_fetched_when_missing_and_the_installer_is_checked(tmp_path):
    root = make_project(tmp_path)
    no_uv = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "uv").exists())
    done = launch(root / "workshop.sh", "doctor", cwd=root, WORKSHOP_INSTALLER="uv", PATH=no_uv)
    assert done.returncode == 0, done.stderr
    assert "Fetching uv, a fast installer, into .venv ..." in done.stdout
    assert pip_installs(root) == [["uv>=0.5"], ["-e", ".[test]", *TESTED]]  # the shim made no uv: pip

    done = launch(root / "workshop.sh", "doctor", cwd=root, WORKSHOP_INSTALLER="conda")
    assert done.returncode == 2 and done.stderr == "WORKSHOP_INSTALLER must be uv or pip, not 'conda'.\n"
    assert calls(root) == []
