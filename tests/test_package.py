"""The installed package: shipped files, `workshop init`, and the smoke chain from a non-editable install."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from installed import ROOT, run_checked

from workshop_lib.commands.main import main
from workshop_lib.paths import appendix_sources, checkout_root, notebook_sources, shipped


def test_checkout_reads_the_top_level_folders():
    assert checkout_root() == ROOT
    assert shipped("acceptability") == ROOT / "data" / "acceptability"
    assert shipped("baselines") == ROOT / "baselines"
    assert [p.name[:2] for p in notebook_sources()] == ["01", "02", "03", "04", "05", "06"]


def test_init_copies_the_notebooks_and_never_overwrites(tmp_path, capsys):
    dest = tmp_path / "my-workshop"
    assert main(["init", str(dest)]) == 0
    for source in [*notebook_sources(), *appendix_sources()]:
        assert (dest / source.name).read_bytes() == source.read_bytes()
    assert [p.name for p in appendix_sources()] == ["appendix_under_the_hood.ipynb"]
    solutions = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
    assert sorted((dest / "solutions").glob("*.ipynb")) == [dest / "solutions" / p.name for p in solutions]

    mine = tmp_path / "half"
    mine.mkdir()
    (mine / "05_training.ipynb").write_text("my own work")
    capsys.readouterr()
    assert main(["init", str(mine)]) == 1
    assert f"{mine / '05_training.ipynb'}" in capsys.readouterr().err
    assert (mine / "05_training.ipynb").read_text() == "my own work"
    assert [p.name for p in mine.iterdir()] == ["05_training.ipynb"], "nothing copied beside a refusal"


def test_wheel_carries_notebooks_solutions_baselines_and_data(wheel):
    with zipfile.ZipFile(wheel[0]) as archive:
        names = set(archive.namelist())
    expected = {  # where setup.py puts them: (folder in the checkout, the files it ships)
        "workshop_lib/shipped/notebooks": ("notebooks", "0*.ipynb"),
        "workshop_lib/shipped/notebooks/solutions": ("notebooks/solutions", "*.ipynb"),
        "workshop_lib/shipped/baselines": ("baselines", "*.json"),
        "workshop_lib/shipped/acceptability": ("data/acceptability", "*.*"),
    }
    for inside, (folder, pattern) in expected.items():
        files = sorted((ROOT / folder).glob(pattern))
        assert files, folder
        missing = [p.name for p in files if f"{inside}/{p.name}" not in names]
        assert not missing, f"the wheel lacks {missing} of {folder}"
    assert "workshop_lib/shipped/notebooks/appendix_under_the_hood.ipynb" in names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "workshop_lib").rglob("*.py")}
    assert modules <= names, f"modules missing from the wheel: {sorted(modules - names)}"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel[0]) as archive:
        assert "workshop = workshop_lib.commands.main:main" in archive.read(entry_points).decode()


@pytest.mark.extended
def test_installed_package_runs_the_smoke_chain_from_an_init_folder(installed, tmp_path):
    venv, env = installed
    python, workshop = venv / "bin" / "python", venv / "bin" / "workshop"
    code = (
        "import json, workshop_lib as w; from workshop_lib.paths import shipped; "
        "names = ('acceptability', 'notebooks', 'baselines'); "
        "print(json.dumps([w.__file__, *map(str, map(shipped, names))]))"
    )
    where = json.loads(run_checked([python, "-c", code], tmp_path, env))
    assert all(Path(path).is_relative_to(venv) for path in where), where

    learner = tmp_path / "my-workshop"
    run_checked([workshop, "init", learner], tmp_path, env)
    assert len(list(learner.glob("0[1-6]_*.ipynb"))) == 6

    # The headless chain of the installed package, started in the learner's folder: runs/ lands there.
    out = run_checked([workshop, "run", "--profile", "smoke"], learner, env)
    assert "Baseline check: passed" in out, out
    [run_dir] = (learner / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    assert metrics["training"]["mcc"] >= 0.3  # chance is 0

    # A learner's copy run in place (as JupyterLab would): its outputs default to ./artifacts there.
    script = (
        "import sys, papermill; papermill.execute_notebook(sys.argv[1], sys.argv[2], cwd=sys.argv[3], "
        "parameters={'PROFILE': 'smoke'}, progress_bar=False)"
    )
    notebook = [learner / "01_goal.ipynb", tmp_path / "01.ipynb", learner]
    run_checked([python, "-c", script, *notebook], tmp_path, env)
    assert list((learner / "artifacts" / "smoke" / "metrics").glob("*.json"))
