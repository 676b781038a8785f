"""Safety rules: no remote code, no pickled weights, no accidental hub pushes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from workshop_lib.inference import AcceptabilityClassifier
from workshop_lib.lessons.qa_demo import load_qa_model
from workshop_lib.modeling import ModelFolderError, load_model
from workshop_lib.settings import resolve
from workshop_lib.training import build_trainer, save_model, training_arguments
from workshop_lib.zero_shot import load_language_model

ROOT = Path(__file__).resolve().parent.parent
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".h5", ".msgpack")
SOURCES = [  # every file of the package and its subpackages, the benchmarks and every notebook
    *ROOT.glob("workshop_lib/**/*.py"), *ROOT.glob("benchmarks/**/*.py"), *ROOT.glob("notebooks/**/*.ipynb")
]


def code_of(path: Path) -> str:
    """Source text of a module, or the code cells of a notebook."""
    if path.suffix == ".ipynb":
        return "\n".join(
            c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"
        )
    return path.read_text()


def test_the_scan_reads_every_package_file():
    package = {p for p in (ROOT / "workshop_lib").rglob("*.py") if "shipped" not in p.parts}
    assert package <= set(SOURCES)
    assert {"commands", "lessons", "exercises", "dev"} <= {p.parent.name for p in SOURCES}


def test_no_remote_code_and_no_unsafe_pickle_loading():
    for path in SOURCES:
        code = code_of(path)
        assert not re.search(r"trust_remote_code\s*=\s*True", code), path
        for call in re.findall(r"torch\.load\([^)]*\)", code):
            assert "weights_only=True" in call, f"{path}: {call}"
        assert not re.search(r"push_to_hub\s*=\s*True|\.push_to_hub\(", code), path


def test_training_never_pushes_or_reports(tmp_path):
    args = training_arguments(resolve("smoke", output_dir=str(tmp_path)))
    assert args.push_to_hub is False
    assert args.report_to in ([], "none", ["none"])  # nothing is sent to trackers either


class _Planted:
    """Pickles to a call of open(marker, "w"): unpickling it (as torch.load without weights_only does)
    leaves the marker file behind, so a test can tell whether a pickle was ever read."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> Path:
    """The (untrained) smoke model saved by `training.save_model`, the path notebook 05 and the CLI use."""
    settings = resolve("smoke", output_dir=str(tmp_path_factory.mktemp("save")))
    trainer = build_trainer(settings)
    sizes = {f"{split}_sentences": 1 for split in ("train", "selection", "validation")}
    scores = {"mcc": 0.0, "accuracy": 0.5, "f1": 0.0, "selection_mcc": 0.0}
    return save_model(trainer, settings, {**scores, **sizes})


def test_the_saved_model_is_safetensors_only(saved_model):
    files = [p.relative_to(saved_model).as_posix() for p in saved_model.rglob("*") if p.is_file()]
    assert "model.safetensors" in files and "config.json" in files
    pickles = [f for f in files if f.endswith(PICKLE_SUFFIXES) or f.startswith("pytorch_model")]
    assert not pickles, f"pickled files in the saved model: {pickles}"
    json.loads((saved_model / "training_args.json").read_text())  # the recipe as JSON, not training_args.bin
    with safe_open(str(saved_model / "model.safetensors"), framework="pt") as weights:
        assert "score.weight" in weights.keys()  # the fine-tuned head is in the safetensors file


@pytest.mark.parametrize(
    "load",
    [load_model, lambda folder: AcceptabilityClassifier.from_dir(folder, device="cpu").model],
    ids=["load_model", "AcceptabilityClassifier"],
)
def test_a_pickle_beside_the_safetensors_is_never_unpickled(saved_model, tmp_path, load):
    folder = tmp_path / "model"
    shutil.copytree(saved_model, folder)
    marker = tmp_path / "unpickled"
    expected = load_file(saved_model / "model.safetensors")
    decoy = {name: torch.zeros_like(weights) for name, weights in expected.items()}  # loaded: all zeros
    torch.save({**decoy, "planted": _Planted(marker)}, folder / "pytorch_model.bin")
    model = load(folder)
    assert not marker.exists(), "pytorch_model.bin was unpickled"
    loaded = model.state_dict()
    assert all(torch.equal(loaded[name], expected[name]) for name in expected)  # the safetensors weights


def test_pickle_only_weights_are_refused_by_every_loader_without_unpickling(saved_model, tiny_dir, tmp_path):
    marker = tmp_path / "unpickled"
    loaders = {
        "load_model": lambda folder: load_model(folder),
        "load_language_model": lambda folder: load_language_model(str(folder)),
        "load_qa_model": lambda folder: load_qa_model(str(folder), seed=0),
    }
    for source in (saved_model, tiny_dir):
        folder = tmp_path / source.name
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns("model.safetensors"))
        weights = load_file(source / "model.safetensors")
        torch.save({**weights, "planted": _Planted(marker)}, folder / "pytorch_model.bin")
        for name, load in loaders.items():
            with pytest.raises(ModelFolderError, match=r"only pickle weights \(pytorch_model\.bin\)"):
                load(folder)
            assert not marker.exists(), f"{name} unpickled {folder / 'pytorch_model.bin'}"
