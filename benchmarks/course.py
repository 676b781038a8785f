"""The README's chapter and profile tables: from the notebooks, PROFILES, launch.py and the results files."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from numbers_format import NOT_MEASURED, secs

from workshop_lib.dev import launch
from workshop_lib.lessons.figures import figures
from workshop_lib.records import markdown_table
from workshop_lib.settings import PROFILES

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = {  # notebook: what it teaches (the objectives are in docs/teaching.md)
    "01_goal": "what acceptability is; an untrained head's noise; a zero-shot baseline",
    "02_data_exploration": "splits, labels and tokens; duplicates; MCC by hand",
    "03_preprocessing": "the pad token in tokenizer and config; batched `map`; per-batch padding",
    "04_training_setup_and_metric": "`TrainingArguments` against the defaults; MCC; the schedule",
    "05_training": "the model and its new head; `Trainer`; resume, evaluate, save; the curves",
    "06_usage_and_deployment": "`pipeline`; confident mistakes; ONNX export and its parity check",
}
SHARED = {  # in every notebook
    "workshop_lib", "workshop_lib.lessons", "workshop_lib.exercises.check", "workshop_lib.exercises.quiz",
}
HUB_LINK = "[your JupyterHub](docs/classroom.md#launch-links-colab-binder-your-jupyterhub)"  # needs a hub
IMPORT = re.compile(r"from (workshop_lib[\w.]*) import")


def modules(stem: str) -> str:
    """The workshop_lib modules a notebook imports, besides the ones every notebook uses."""
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    found = {m for c in nb.cells if c.cell_type == "code" for m in IMPORT.findall(c.source)} - SHARED
    return ", ".join(f"`{m.removeprefix('workshop_lib.')}`" for m in sorted(found))


def chapters(smoke: dict[str, float], reference: dict[str, float]) -> str:
    """One row per notebook: what it teaches, its measured times (smoke's and quick's, each by notebook),
    its modules, its page and launch links."""
    rows = []
    for stem, teaches in CHAPTERS.items():
        notebook = f"notebooks/{stem}.ipynb"
        quick = secs(reference[stem]) if stem in reference else NOT_MEASURED
        smoke_time = secs(smoke[stem]) if stem in smoke else NOT_MEASURED
        rows.append(
            [
                f"[{stem[:2]}]({notebook})",
                teaches,
                f"{smoke_time} / {quick}",
                modules(stem),
                f"[page]({launch.site(f'lessons/{stem}.html')})",
                launch.markdown(notebook).replace(f"your JupyterHub: set ${launch.HUB_ENV}", HUB_LINK),
            ]
        )
    header = ["notebook", "what it teaches", "smoke / quick (stand-in), 2 cores", "modules", "website"]
    header.append("run it")
    return markdown_table(header, rows)


def profile_rows(times: dict[str, str]) -> str:
    """PROFILES as a table: model, data, recipe, and the measured time for the six notebooks."""
    rows, figure = [], figures()
    for name, profile in PROFILES.items():
        recipe = [figure[f"{name}.run_epochs"], f"batch {figure[f'{name}.batch']}"]
        recipe.append(f"peak rate {figure[f'{name}.rate']}")
        if profile.get("warmup_steps"):
            recipe.append(f"{figure[f'{name}.warmup']} warm-up")
        if profile.get("freeze_embeddings"):
            recipe.append("token embeddings frozen")
        data = "all of CoLA" if profile["data_source"] == "hub" else f"`{profile['data_source']}` set"
        rows.append([f"`{name}`", f"`{profile['model_name']}`", data, ", ".join(recipe), times.get(name, "")])
    return markdown_table(["profile", "model", "data", "recipe", "measured"], rows)
