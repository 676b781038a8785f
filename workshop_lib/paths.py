"""Where things are: the checkout or work folder, the shipped files and notebooks, the output folders.

A wheel ships `data/acceptability`, `notebooks` and `baselines` inside the package as
`workshop_lib/shipped/<name>` (see setup.py); a clone or an editable install reads them in place.
"""

from __future__ import annotations

import os
import shutil
from importlib.resources import files
from pathlib import Path

from .declare import SettingError

SHIPPED = {"acceptability": "data/acceptability", "notebooks": "notebooks", "baselines": "baselines"}
PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the checkout, when imported from one
NOTEBOOK_NAMES = "0[1-6]_*.ipynb"  # the six phases: 01_goal ... 06_usage_and_deployment
APPENDIX_NAMES = "appendix_*.ipynb"  # optional reading after the six: what the lessons leave out
# The appendices that get reference outputs too; not under_the_hood: its last-block experiment names GPT-2's
# modules (`transformer.h`), which the stand-in's Llama layout lacks.
REFERENCED_APPENDICES = ("appendix_lora.ipynb", "appendix_training_loop.ipynb")
OUTPUT_ENV = "WORKSHOP_OUTPUT_DIR"  # default parent of every profile's output folder
OUTPUT_FOLDERS = ("artifacts", "runs")  # the project's git-ignored output folders (see .gitignore)
# The output folder's parts, named here only: tokenized data (phase 3), checkpoints and the final model
# (phase 5), one metrics JSON per phase.
TOKENIZED, CHECKPOINTS, MODEL, METRICS = "tokenized", "checkpoints", "model", "metrics"
HANDED_OUT = Path(".workshop") / "handed-out"  # in a learner folder: what init (or the last update) gave


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


def appendix_sources() -> list[Path]:
    """The optional appendix notebooks, where shipped."""
    return sorted(shipped("notebooks").glob(APPENDIX_NAMES))


def referenced_appendices() -> list[Path]:
    """The appendix notebooks that have reference outputs (REFERENCED_APPENDICES), where shipped."""
    return [path for path in appendix_sources() if path.name in REFERENCED_APPENDICES]


def solution_sources() -> list[Path]:
    """The solution notebooks, where shipped (notebooks/solutions/*.ipynb)."""
    return sorted((shipped("notebooks") / "solutions").glob("*.ipynb"))


def reference_sources() -> list[Path]:
    """The reference outputs (the six notebooks and the referenced appendices run with real weights)."""
    return sorted((shipped("notebooks") / "reference").glob("*.ipynb"))


def work_root() -> Path:
    """Where runs and default artifacts go: the checkout, else the current folder (an init folder)."""
    return checkout_root() or Path.cwd()


def handout() -> dict[Path, Path]:
    """{path inside a learner folder: shipped file} of every notebook `init` hands out."""
    plan = {Path(p.name): p for p in [*notebook_sources(), *appendix_sources()]}
    plan.update({Path("solutions") / p.name: p for p in solution_sources()})
    plan.update({Path("reference") / p.name: p for p in reference_sources()})
    return plan


def copy_notebooks(dest: str | Path) -> list[Path]:
    """Copy the notebooks (and solutions/ and reference/, where shipped) into `dest`; refuse to overwrite.

    A second copy goes to `dest/.workshop/handed-out/`: the ancestor `workshop init --update` merges from.
    """
    from .records import ArtifactExistsError

    dest = Path(dest).expanduser()
    plan = {dest / name: source for name, source in handout().items()}
    existing = [str(target) for target in plan if target.exists()]
    if existing:
        raise ArtifactExistsError(
            f"Not copying: these files already exist: {', '.join(existing)}. "
            "Choose an empty or new folder, or move those files away first."
        )
    for name, source in handout().items():
        for target in (dest / name, dest / HANDED_OUT / name):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return list(plan)


def refuse_tracked(folder: Path, label: str) -> None:
    """Refuse an output folder inside the project's git-tracked files (git status would fill with models)."""
    if not (PROJECT_ROOT / ".git").exists():
        return  # an installed package, not a checkout: nothing is tracked
    real = Path(os.path.realpath(folder))
    allowed = [PROJECT_ROOT / name for name in OUTPUT_FOLDERS]
    if real.is_relative_to(PROJECT_ROOT) and not any(real.is_relative_to(a) for a in allowed):
        raise SettingError(
            f"{label} got {str(folder)!r}, inside the project's tracked files, where "
            f"git would list every model file; allowed: a folder under {allowed[0]} (the default) or "
            f"{allowed[1]}, or outside {PROJECT_ROOT}."
        )


def output_root() -> Path:
    """Parent of the profiles' default output folders: <project>/artifacts, or $WORKSHOP_OUTPUT_DIR.

    A relative $WORKSHOP_OUTPUT_DIR is taken from the project root, so that notebooks (which start in
    notebooks/), the runner and the CLI all mean the same folder. An installed package (no checkout) uses
    the current folder instead: the folder `workshop init` made, where JupyterLab starts its kernels.
    """
    if not os.environ.get(OUTPUT_ENV):
        return work_root() / OUTPUT_FOLDERS[0]
    root = Path(os.path.normpath(work_root() / os.path.expanduser(os.environ[OUTPUT_ENV])))
    refuse_tracked(root, f"Environment variable {OUTPUT_ENV}")
    return root
