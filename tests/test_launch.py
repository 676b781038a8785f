"""Launch links (Colab, Binder, a JupyterHub) come from one setting; the Colab cell is the documented one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from workshop_lib.dev import colab, launch
from workshop_lib.settings import DEFAULT_PROFILE, profile_name

ROOT = Path(__file__).resolve().parent.parent
REPO = "https://github.com/teacher/gpt2-cola-workshop"
NOTEBOOK = "notebooks/05_training.ipynb"


def test_the_links_have_each_service_s_form_for_a_sample_address(monkeypatch):
    monkeypatch.setenv("WORKSHOP_REF", "v9.9")
    found = launch.links(NOTEBOOK, hub="https://hub.example.org/", repo=REPO)
    assert found == {
        "Colab": "https://colab.research.google.com/github/teacher/gpt2-cola-workshop/blob/v9.9/"
        "notebooks/05_training.ipynb",
        "Binder": "https://mybinder.org/v2/gh/teacher/gpt2-cola-workshop/v9.9"
        "?urlpath=lab%2Ftree%2Fnotebooks%2F05_training.ipynb",
        "your JupyterHub": "https://hub.example.org/hub/user-redirect/git-pull"
        "?repo=https%3A%2F%2Fgithub.com%2Fteacher%2Fgpt2-cola-workshop&branch=v9.9"
        "&urlpath=lab%2Ftree%2Fgpt2-cola-workshop%2Fnotebooks%2F05_training.ipynb",
    }


def test_the_repository_comes_from_one_setting_and_a_hub_only_from_the_teacher(monkeypatch):
    monkeypatch.setenv("WORKSHOP_REPOSITORY", REPO + "/")
    monkeypatch.delenv(launch.HUB_ENV, raising=False)
    found = launch.links(NOTEBOOK)
    assert set(found) == {"Colab", "Binder"}
    assert all("teacher/gpt2-cola-workshop" in url for url in found.values())
    assert "set $WORKSHOP_HUB" in launch.markdown(NOTEBOOK)
    monkeypatch.setenv(launch.HUB_ENV, "https://hub.example.org")
    assert launch.links(NOTEBOOK)["your JupyterHub"].startswith("https://hub.example.org/hub/user-redirect/")
    with pytest.raises(ValueError, match="github.com"):
        launch.colab(NOTEBOOK, repo="https://gitlab.com/teacher/gpt2-cola-workshop")


def test_every_notebook_starts_with_the_colab_cell_the_docs_show():
    source = colab.cell_source()
    assert f"```python\n{source}\n```" in (ROOT / "docs" / "classroom.md").read_text()
    assert colab.main(["--check"]) == 0, "run: python -m workshop_lib.dev.colab"
    for path in colab.notebooks():
        nb = nbformat.read(path, as_version=4)
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code.source == source and first_code.metadata["tags"] == ["colab"], path


def test_the_colab_cell_does_nothing_outside_colab(tmp_path):
    show = "import os\nprint(sorted(k for k in os.environ if k.startswith('WORKSHOP_')))"
    code = f"{colab.cell_source()}\n{show}"
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_colab_cell_leaves_the_profile_to_the_class_default(monkeypatch):
    monkeypatch.delenv("WORKSHOP_PROFILE", raising=False)  # Colab sets none
    assert "WORKSHOP_PROFILE" not in colab.cell_source() and profile_name() == DEFAULT_PROFILE


def test_the_cell_installs_this_version_with_the_tested_versions(monkeypatch):
    monkeypatch.setenv("WORKSHOP_REF", "v9.9")
    args = launch.install_arguments(REPO)
    assert args[:3] == ["install", "--quiet", "-c"]
    assert args[3] == "https://raw.githubusercontent.com/teacher/gpt2-cola-workshop/v9.9/constraints.txt"
    assert args[4] == "gpt2-cola-workshop @ git+https://github.com/teacher/gpt2-cola-workshop.git@v9.9"


def test_binder_builds_from_the_tested_versions():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "-c constraints.txt" in post_build and "-e ." in post_build


def test_a_teacher_prints_every_notebook_s_links_for_their_hub(capsys):
    assert launch.main(["--hub", "https://hub.example.org"]) == 0
    lines = capsys.readouterr().out.splitlines()
    stems = [f"- {path.stem}" for path in sorted(ROOT.glob("notebooks/0*.ipynb"))]
    assert [line.split(":")[0] for line in lines] == stems
    assert all("https://hub.example.org/hub/user-redirect/git-pull?" in line for line in lines)
