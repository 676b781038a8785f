"""Where the workshop's own files are: the source checkout, else the installed package's data.

A wheel ships `data/acceptability`, `notebooks` and `baselines` inside the package as
`workshop_lib/shipped/<name>` (see setup.py); a clone or an editable install reads them in place.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

SHIPPED = {"acceptability": "data/acceptability", "notebooks": "notebooks", "baselines": "baselines"}
PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the checkout, when imported from one
NOTEBOOK_NAMES = "0[1-6]_*.ipynb"  # the six phases: 01_goal ... 06_usage_and_deployment


def checkout_root() -> Path | None:
    """The source checkout this package is imported from (clone or editable install), else None."""
    root = PROJECT_ROOT
    return root if (root / "pyproject.toml").is_file() and (root / "workshop_lib").is_dir() else None


def shipped(name: str) -> Path:
    """The folder `name` (acceptability, notebooks or baselines) from the installed package or checkout."""
    packaged = files("workshop_lib") / "shipped" / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    root = checkout_root()
    if root is not None and (root / SHIPPED[name]).is_dir():
        return root / SHIPPED[name]
    raise FileNotFoundError(
        f"The workshop's {SHIPPED[name]} folder is missing: neither {packaged} (installed package) nor a "
        "source checkout has it. Reinstall the package (pip install --force-reinstall ...) or clone the "
        "repository again."
    )


def notebook_sources(folder: Path | None = None) -> list[Path]:
    """The six workshop notebooks in phase order, in `folder` (default: the shipped ones)."""
    return sorted((folder or shipped("notebooks")).glob(NOTEBOOK_NAMES))


def solution_sources() -> list[Path]:
    """The solution notebooks, where shipped (notebooks/solutions/*.ipynb)."""
    return sorted((shipped("notebooks") / "solutions").glob("*.ipynb"))


def work_root() -> Path:
    """Where runs and default artifacts go: the checkout, else the current folder (an init folder)."""
    return checkout_root() or Path.cwd()


def copy_notebooks(dest: str | Path) -> list[Path]:
    """Copy the notebooks (and solutions/, where shipped) into `dest`; refuse to overwrite any file."""
    from .artifacts import ArtifactExistsError

    dest = Path(dest).expanduser()
    plan = {dest / p.name: p for p in notebook_sources()}
    plan.update({dest / "solutions" / p.name: p for p in solution_sources()})
    existing = [str(target) for target in plan if target.exists()]
    if existing:
        raise ArtifactExistsError(
            f"Not copying: these files already exist: {', '.join(existing)}. "
            "Choose an empty or new folder, or move those files away first."
        )
    for target, source in plan.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return list(plan)
