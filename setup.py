"""Packaging beyond pyproject.toml: ship the top-level data/acceptability, notebooks (with
notebooks/solutions and notebooks/reference when present) and baselines inside the wheel as
workshop_lib/shipped/<name>, read through importlib.resources by workshop_lib/paths.py; git keeps one copy,
at the top level."""

from pathlib import Path

from setuptools import find_packages, setup

SHIPPED = {  # package -> (folder in the repository, files it ships)
    "workshop_lib.shipped.acceptability": ("data/acceptability", ["*.tsv", "*.md"]),
    "workshop_lib.shipped.notebooks": ("notebooks", ["0*.ipynb", "appendix_*.ipynb"]),
    "workshop_lib.shipped.notebooks.solutions": ("notebooks/solutions", ["*.ipynb"]),
    "workshop_lib.shipped.notebooks.reference": ("notebooks/reference", ["*.ipynb"]),
    "workshop_lib.shipped.baselines": ("baselines", ["*.json"]),
}
shipped = {name: spec for name, spec in SHIPPED.items() if Path(spec[0]).is_dir()}

setup(
    packages=find_packages(include=["workshop_lib", "workshop_lib.*"]) + list(shipped),
    package_dir={name: folder for name, (folder, _) in shipped.items()},
    package_data={
        **{name: patterns for name, (_, patterns) in shipped.items()},
        "workshop_lib.exercises": ["quizzes.md"],  # the quizzes' questions, read by quiz.py
    },
)
