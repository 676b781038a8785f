"""The installed package: shipped files, `workshop init`, and the smoke chain from a non-editable install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from installed import ROOT, run_checked
from learning import LEARNT_MCC
from packaging.version import Version

from workshop_lib.commands.main import main
from workshop_lib.paths import appendix_sources, checkout_root, notebook_sources, shipped


def test_checkout_reads_the_top_level_folders():
    assert checkout_root() == ROOT
    assert shipped("acceptability") == ROOT / "data" / "acceptability"
    assert shipped("baselines") == ROOT / "baselines"
    assert [p.name[:2] for p in notebook_sources()] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, "PASSIVE 10000"),
        ({"GOMP_SPINCOUNT": "5"}, "PASSIVE 5"),
        ({"OMP_WAIT_POLICY": "ACTIVE"}, "ACTIVE -"),  # a spin count would cut ACTIVE's endless spin short
        ({"OMP_WAIT_POLICY": "PASSIVE"}, "PASSIVE -"),
    ],
)
def test_importing_the_package_sets_a_short_openmp_spin_unless_the_user_chose_a_policy(given, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")} | given
    shown = (
        "import os, workshop_lib\n"
        "print(os.environ['OMP_WAIT_POLICY'], os.environ.get('GOMP_SPINCOUNT', '-'))"
    )
    out = subprocess.run([sys.executable, "-c", shown], env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == expected, out.stderr


def test_init_copies_the_notebooks_and_never_overwrites(tmp_path, capsys):
    dest = tmp_path / "my-workshop"
    assert main(["init", str(dest)]) == 0
    for source in [*notebook_sources(), *appendix_sources()]:
        assert (dest / source.name).read_bytes() == source.read_bytes()
    assert [p.name for p in appendix_sources()] == [
        "appendix_lora.ipynb", "appendix_training_loop.ipynb", "appendix_under_the_hood.ipynb"
    ]
    for folder in ("solutions", "reference"):
        names = [p.name for p in sorted((ROOT / "notebooks" / folder).glob("*.ipynb"))]
        assert names and [p.name for p in sorted((dest / folder).glob("*.ipynb"))] == names

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
        "workshop_lib/shipped/notebooks/reference": ("notebooks/reference", "*.ipynb"),
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
def test_installed_package_runs_the_smoke_chain_on_the_lowest_versions(installed_lowest, tmp_path):
    """The wheel as a learner installs it, with the oldest releases pyproject.toml admits: a range that lets
    in a broken release fails here (the tested versions run in every other chain)."""
    venv, env, pins = installed_lowest
    python, workshop = venv / "bin" / "python", venv / "bin" / "workshop"
    code = "import importlib.metadata as m, sys; print(*(f'{n}=={m.version(n)}' for n in sys.argv[1:]))"
    found = run_checked([python, "-c", code, *(pin.split("==")[0] for pin in pins)], tmp_path, env)
    versions = [Version(pin.split("==")[1]) for pin in found.split()]
    assert versions == [Version(pin.split("==")[1]) for pin in pins], f"not the lowest versions: {found}"
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
    # Compared with the one smoke baseline, naming the releases that differ from the record's.
    assert "compared with smoke.json" in out and "transformers: " in out, out
    [run_dir] = (learner / "runs").iterdir()
    metrics = json.loads((run_dir / "metrics.json").read_text())["metrics"]
    assert metrics["training"]["mcc"] >= LEARNT_MCC
