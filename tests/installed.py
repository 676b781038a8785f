"""The package as a hub admin installs it: a wheel built from this checkout, installed into a fresh venv."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOWEST = ("transformers", "datasets", "accelerate", "evaluate")  # the libraries whose old releases break most
NOT_SOURCES = (".git", ".venv", "runs", "artifacts", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")


def run_checked(args: list, cwd: Path, env: dict, timeout: int = 900) -> str:
    """Run a command; on failure show its output."""
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{args} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def build_wheel(tmp: Path) -> tuple[Path, dict]:
    """A wheel built from a copy of this checkout (no build isolation, no downloads), and the environment."""
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "WORKSHOP_OUTPUT_DIR"}}
    env.update(HF_HUB_OFFLINE="1", JUPYTER_DATA_DIR=str(tmp / "jupyter"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip = [sys.executable, "-m", "pip", "--quiet"]
    run_checked(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp / "dist", source],
        tmp,
        env,
    )
    [built] = (tmp / "dist").glob("gpt2_cola_workshop-*.whl")
    return built, env


def install_wheel(built: Path, env: dict, tmp: Path) -> Path:
    """The wheel installed (not editable) into a fresh virtual environment in `tmp`; return the venv.

    The environment reuses this interpreter's site-packages for the dependencies through a .pth file (no
    downloads); such a path line does not run that folder's .pth files, so an editable install of the
    workshop there stays invisible.
    """
    venv = tmp / "venv"
    run_checked([sys.executable, "-m", "venv", "--without-pip", venv], tmp, env)
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(run_checked([python, "-c", purelib], tmp, env).strip())
    deps = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "dependencies.pth").write_text("".join(f"{path}\n" for path in deps))
    fresh = [python, "-m", "pip", "--quiet", "install", "--no-deps", "--no-index", "--ignore-installed"]
    run_checked([*fresh, built], tmp, env)
    return venv


def lowest_pins() -> list[str]:
    """`name==X.Y` for the lowest release pyproject.toml allows of each library in LOWEST."""
    text = (ROOT / "pyproject.toml").read_text()
    pins = []
    for name in LOWEST:
        found = re.search(rf'"{name}>=([0-9][^",<]*)', text)
        assert found, f"pyproject.toml gives no lower bound for {name}"
        pins.append(f"{name}=={found.group(1)}")
    return pins


def pin_lowest(venv: Path, env: dict, tmp: Path) -> list[str]:
    """Install the lowest allowed releases into `venv` (from the package index); return the pins.

    pip resolves inside the venv (`--python`), where the dependencies come from this interpreter's
    site-packages: it adds only what those releases need otherwise (older fsspec, dill, ...), into the venv,
    which shadows the rest.
    """
    pins = lowest_pins()
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "--quiet", "install"]
    run_checked([*pip, "--only-binary", ":all:", *pins], tmp, env)
    return pins
