"""The step profiler's operator breakdown and the benchmarks' matrix-product rate at a model's own shapes."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import step_profile  # noqa: E402
import train_speed  # noqa: E402


@pytest.fixture(scope="module")
def llama_settings(tiny_family_dirs, tmp_path_factory):
    """The quick recipe over 5 batches of the embedded set, with the tiny Llama-style model, in fp32."""
    import dataclasses

    work = tmp_path_factory.mktemp("step-profile")
    settings = train_speed.sample_settings(str(tiny_family_dirs["tiny-llama"]), work, 5)
    return dataclasses.replace(settings, batch_size=8, train_limit=40, precision="fp32")


def test_every_moment_of_a_step_is_in_one_category(llama_settings):
    found = step_profile.operators(llama_settings, 5)
    seconds = found["seconds_per_step"]
    assert math.isclose(sum(seconds.values()), found["step_seconds"], rel_tol=0.02)
    for part in ("matrix products", "normalisation", "attention", "optimizer and clipping", "loss"):
        assert seconds.get(part, 0) > 0, part  # each is found, by name or by the module it ran in
    assert set(seconds) <= {
        *step_profile.OPERATORS,
        *step_profile.MODULES,
        step_profile.PYTHON,
        "autograd engine",
        "other operators",
    }
    assert found["operators_per_step"] > 100 and found["mean_padded_length"] > 1


def test_backward_operators_take_their_forward_modules_category():
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.LayerNorm(8))
    step_profile.label_modules(model)
    with torch.profiler.profile() as prof:
        model(torch.randn(4, 8, requires_grad=True)).sum().backward()
    events = list(prof.events())
    forward = step_profile.forward_categories(events)
    backward = [e for e in events if e.name.startswith(step_profile.BACKWARD) and "LayerNorm" in e.name]
    assert backward, [e.name for e in events]
    children = [c for e in backward for c in e.cpu_children]
    assert children and {step_profile.category(c, forward) for c in children} == {"normalisation"}


@pytest.mark.parametrize("family", ["tiny", "tiny-llama"])
def test_layer_shapes_are_the_models_matrix_products(tiny_family_dirs, family):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(tiny_family_dirs[family])
    shapes = train_speed.layer_shapes(tiny_family_dirs[family])
    hidden = config.hidden_size if family == "tiny-llama" else config.n_embd
    assert shapes[hidden, 2] == 1  # the classification head
    layers = config.num_hidden_layers if family == "tiny-llama" else config.n_layer
    assert sum(shapes.values()) == 1 + layers * (7 if family == "tiny-llama" else 4)
    rate = train_speed.shape_gflops(shapes, rows=32, dtype=torch.float32, seconds=0.01)
    assert 0 < rate < 1e5


def test_the_speed_summary_gives_the_ratio_to_both_floors():
    leg = {
        "epoch_real_tokens": 1000,
        "train_sentences": train_speed.WORKSHOP_TRAIN_SENTENCES,
        "precision": "bf16",
        "extrapolated_3_epochs_seconds": {"linear_fit": 60.0, "by_steps": 70.0},
        "fit_seconds_per_step": 0.1,
        "fit_seconds_per_padded_token": 0.01,
        "extrapolated_run_seconds": 60.0,
        "torch_threads": 2,
        "samples_per_second": 1.0,
        "peak_rss_gib": 1.0,
        "high_water_gib": 1.0,
    }
    report = {"b": leg, "non_embedding_parameters": 10**6, "matmul_gflops": {"fp32": 100.0, "bf16": 400.0}}
    report["shape_gflops"] = {"fp32": 50.0, "bf16": 200.0}
    found = train_speed.summary(report)["b"]
    work = 6 * 10**6 * 1000 * train_speed.EPOCHS / 1e9  # GFLOP
    assert math.isclose(found["over_floor"], 60.0 / (work / 400.0))
    assert math.isclose(found["over_shape_floor"], 60.0 / (work / 200.0))
    assert math.isclose(found["over_fp32_shape_floor"], 60.0 / (work / 50.0))
