"""Package shape: docs/maintaining.md's layout is the tree, modules are short, notebooks use no command."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "workshop_lib"
NOTEBOOK_IMPORTS = ("lessons", "exercises")  # besides the pipeline: the top-level modules
MAX_TOP_LEVEL, MAX_LINES = 16, 300


def readme_tree() -> set[str]:
    """The package paths the layout block of docs/maintaining.md names (`ex01.py … ex06.py` spelled out)."""
    text = (ROOT / "docs" / "maintaining.md").read_text()
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    paths, stack = set(), []
    for line in block.splitlines():
        match = re.match(r"( *)(\S+)", line)
        if not match or not (match[2].endswith(".py") or match[2].endswith("/")):
            continue
        depth = len(match[1]) // 2
        stack = stack[:depth]
        names = [match[2]]
        if (found := re.match(r"ex01\.py … ex(\d\d)\.py", line.strip())) is not None:
            names = [f"ex{i:02d}.py" for i in range(1, int(found[1]) + 1)]
        for name in names:
            paths.add("/".join([*stack, name]).rstrip("/"))
        if match[2].endswith("/"):
            stack.append(match[2].rstrip("/"))
    return {p for p in paths if p.startswith("workshop_lib")}


def package_tree() -> set[str]:
    """The package's modules and subpackages as the layout names them (no __init__ or __main__)."""
    found = {"workshop_lib"}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(ROOT)
        found.update(str(parent) for parent in relative.parents if str(parent) != ".")
        if not path.name.startswith("__"):
            found.add(str(relative))
    return {p for p in found if "__pycache__" not in p and "shipped" not in p}


def test_the_readme_layout_is_the_tree():
    named, actual = readme_tree(), package_tree()
    assert named == actual, (
        f"docs/maintaining.md names but missing: {sorted(named - actual)}; unnamed: {sorted(actual - named)}"
    )


def test_the_package_top_level_is_short_and_every_module_readable_in_one_sitting():
    top = [p.name for p in PACKAGE.glob("*.py") if not p.name.startswith("__")]
    assert len(top) <= MAX_TOP_LEVEL, f"{len(top)} top-level modules: {sorted(top)}"
    long = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_notebooks_import_the_pipeline_lessons_and_exercises_only():
    pipeline = {p.stem for p in PACKAGE.glob("*.py") if not p.name.startswith("__")}
    allowed = pipeline | set(NOTEBOOK_IMPORTS)
    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        used = set(re.findall(r"from workshop_lib\.(\w+)", source)) | set(
            re.findall(r"from workshop_lib import (\w+)", source)
        )
        assert used <= allowed, (
            f"{path.name} imports {sorted(used - allowed)}: not a lesson helper or the pipeline"
        )
        assert "import workshop_lib." not in source, path.name
