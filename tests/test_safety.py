"""Safety rules: no remote code, no pickled weights, no accidental hub pushes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from workshop_lib.config import resolve
from workshop_lib.training import training_arguments

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*ROOT.glob("workshop_lib/*.py"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("notebooks/*.ipynb")]


def code_of(path: Path) -> str:
    """Source text of a module, or the code cells of a notebook."""
    if path.suffix == ".ipynb":
        return "\n".join(
            c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"
        )
    return path.read_text()


def test_no_remote_code_and_no_unsafe_pickle_loading():
    for path in SOURCES:
        code = code_of(path)
        assert not re.search(r"trust_remote_code\s*=\s*True", code), path
        for call in re.findall(r"torch\.load\([^)]*\)", code):
            assert "weights_only=True" in call, f"{path}: {call}"
        assert not re.search(r"push_to_hub\s*=\s*True|\.push_to_hub\(", code), path


def test_training_never_pushes_and_keeps_safetensors(tmp_path):
    args = training_arguments(resolve("smoke", output_dir=str(tmp_path)))
    assert args.push_to_hub is False
    assert args.report_to in ([], "none", ["none"])  # nothing is sent to trackers either
