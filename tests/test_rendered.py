"""Measured figures live in benchmarks/results and reach the docs only through benchmarks/render.py."""

from __future__ import annotations

import io
import json
import re
import sys
import tokenize
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import render  # noqa: E402

# A number with a unit of time, speed, memory or a ratio, as measurements are written ("286 s", "1.56x",
# "3.64 GiB", "38 samples/s"); the multiplication sign between two numbers ("2 × 11") is not a ratio.
UNIT = re.compile(
    r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?:-\d[\d,]*(?:\.\d+)?)?"
    r"(?:\s?(?:s|secs?|seconds?|min|minutes?|h|hours?|ms|GiB|MiB|GB|MB|%|samples/s|sentences/s|tokens/s)"
    r"|[x×](?!\s?\d))(?![\w/])"
)
SCORES = re.compile(r"MCC[^.\n]{0,12}?\b0\.\d{2,}|\b0\.\d{2,}\s*/\s*0\.\d{2,}")  # "MCC 0.383", "0.38 / 0.30"
ALLOWED = {  # (file, text): numbers in library code that are settings, limits or examples, not measurements
    ("workshop_lib/hub.py", "10 s"): "the fast-failure promise the probe's timeout is sized for",
    ("workshop_lib/export.py", "2 GB"): "protobuf's limit on one ONNX file",
    ("workshop_lib/exercises/ex04.py", "6 %"): "the warm-up share the exercise computes with",
    ("workshop_lib/exercises/check.py", "MCC, 0.667"): "an example of a check's wording",
}


def test_the_rendered_places_are_current():
    found = render.render_all(write=False)
    assert not found, "\n".join(found) + "\nRun: .venv/bin/python benchmarks/render.py"


def test_a_changed_figure_and_a_marker_at_a_line_start_are_found():
    text = "MCC <!-- measured:standin.zero_shot -->0.999<!-- /measured --> here"
    assert render.problems("doc", text, render.render_text(text)) == ["doc: standin.zero_shot is stale"]
    current = render.figure("standin.zero_shot")  # not stale: only the marker's place is wrong
    text = f"Before\n<!-- measured:standin.zero_shot -->{current}<!-- /measured --> after"
    assert "line 2: a marker starts a line" in render.problems("doc", text, render.render_text(text))[0]
    with pytest.raises(KeyError, match="unknown figure"):
        render.figure("no_such.figure")


def test_the_what_to_expect_table_is_rendered_into_every_copy():
    table = render.figure("expectations")
    assert "stand-in, not GPT-2" in table and "unmeasured" in table  # never passed off as GPT-2's
    for doc in ("docs/teaching.md",):
        assert f"<!-- measured:expectations -->\n{table}\n<!-- /measured -->" in (ROOT / doc).read_text(), doc
    for name in ("06_usage_and_deployment.ipynb",):  # notebook 05 points to it
        cells = nbformat.read(ROOT / "notebooks" / name, as_version=4).cells
        assert any(c.cell_type == "markdown" and table in c.source for c in cells), name
        assert not any("what_to_expect" in c.source for c in cells if c.cell_type == "code"), name


def test_every_published_figure_says_where_it_was_published():
    for name, entry in json.loads((render.RESULTS / "published.json").read_text())["figures"].items():
        assert entry.get("what") and entry.get("values") and entry.get("sources"), f"published.json: {name}"


def _comments_and_strings(path: Path):
    """(line, text) of every comment and string literal of a Python file, docstrings included."""
    kinds = {tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type in kinds:
            yield token.start[0], token.string


def test_no_measured_figure_is_typed_into_library_code():
    found = []
    for path in sorted((ROOT / "workshop_lib").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        for line, text in _comments_and_strings(path):
            for match in [*UNIT.finditer(text), *SCORES.finditer(text)]:
                if (name, match.group(0)) not in ALLOWED:
                    found.append(f"{name}:{line + text[: match.start()].count(chr(10))}: {match.group(0)!r}")
    assert not found, (
        "measured figures belong in benchmarks/results/*.json and the docs rendered from them; in code, "
        "point to where they live (measured: docs/performance.md, ...):\n" + "\n".join(found)
    )


def test_a_changed_profile_shows_not_measured_instead_of_breaking(monkeypatch):
    from workshop_lib.settings import PROFILES

    gone = "not measured for this recipe"
    shown = ("standin.quick.mcc", "reference.05", "reference.mcc", "run.after.train")
    assert all(render.figure(name) != gone for name in shown)
    gpt2 = render.result("quick-run-gpt2")  # shown exactly while its record has today's quick recipe
    assert (render.figure("machines.gpt2_quick.train") == gone) == (not render.same_recipe(gpt2))
    monkeypatch.setitem(PROFILES, "quick", PROFILES["quick"] | {"learning_rate": 9e-4})
    monkeypatch.setitem(PROFILES, "full", PROFILES["full"] | {"batch_size": 8})
    render.derived.cache_clear()
    try:
        for name in shown:  # each looked up by the recipe its results file recorded
            assert render.figure(name) == gone, name
        table, times = render.figure("chapters").split("\n\n")
        assert table.count(gone) == 6 and f"stand-in on {gone}" in times  # each row, and the machine
        assert render.figure("standin.quick_unfrozen.mcc") != gone  # named by its own recipe
        assert render.figure("run.two.train") != gone  # the 2-epoch run, named by its own recipe
        assert "peak rate 9e-4" in render.figure("profiles")
        render.render_all(write=False)  # stale places, but nothing breaks
    finally:
        render.derived.cache_clear()


def test_a_command_run_into_a_scratch_folder_names_the_results_file_the_docs_read():
    shown = "`x.py --json $TMPDIR/lq/lora-quick-standin.json`, `y.py --json $TMPDIR/o/no-such.json`"
    assert render.reproducible(shown) == (
        "`x.py --json benchmarks/results/lora-quick-standin.json`, `y.py --json $TMPDIR/o/no-such.json`"
    )
