"""LoRA written by hand against peft's: same outputs, same training steps, frozen base, exact merge."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from transformers import set_seed

from workshop_lib.appendix.lora import (
    LoRALinear,
    add_lora_by_hand,
    add_lora_with_peft,
    peft_model,
    trained_bytes,
    trained_parameters,
)
from workshop_lib.data import load_data
from workshop_lib.modeling import load_model, load_tokenizer
from workshop_lib.settings import resolve

STEPS = 6
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))  # the lora block's module


def pair(source):
    """The same classifier twice (same head), one with LoRA by hand, one through peft, same A and B."""
    tokenizer = load_tokenizer(source)
    set_seed(0)
    hand = add_lora_by_hand(load_model(source, tokenizer))
    set_seed(0)
    wrapped = peft_model(load_model(source, tokenizer))
    inner = wrapped.base_model.model
    generator = torch.Generator().manual_seed(1)
    for name, layer in hand.named_modules():
        if isinstance(layer, LoRALinear):
            theirs = inner.get_submodule(name)
            with torch.no_grad():
                layer.B.copy_(
                    torch.randn(layer.B.shape, generator=generator) * 0.1
                )  # non-zero: a real update
                theirs.lora_A["default"].weight.copy_(layer.A)
                theirs.lora_B["default"].weight.copy_(layer.B)
    return tokenizer, hand, wrapped


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """Batches of embedded training sentences and their labels."""
    train = load_data(resolve("smoke", output_dir=str(tmp_path_factory.mktemp("lora"))))["train"]
    return [(train["sentence"][i : i + 8], train["label"][i : i + 8]) for i in range(0, 8 * STEPS, 8)]


def encode(tokenizer, sentences, labels):
    """One padded batch with labels."""
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    return {**batch, "labels": torch.tensor(labels)}


@pytest.mark.parametrize("family", ["tiny", "tiny-llama"])  # GPT-2's Conv1D and Llama's nn.Linear
def test_hand_and_peft_agree(family, tiny_family_dirs, batches):
    tokenizer, hand, wrapped = pair(tiny_family_dirs[family])
    first = encode(tokenizer, *batches[0])
    hand.eval(), wrapped.eval()
    with torch.no_grad():
        plain = load_model(tiny_family_dirs[family], tokenizer)
        assert not torch.allclose(hand(**first).logits, plain(**first).logits)  # B is not zero: it changes
        torch.testing.assert_close(hand(**first).logits, wrapped(**first).logits, atol=1e-5, rtol=0)
    assert trained_parameters(hand) == trained_parameters(wrapped) > 0
    frozen = {n: p.detach().clone() for n, p in hand.named_parameters() if not p.requires_grad}
    hand.train(), wrapped.train()
    optimizers = [
        torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-2) for m in (hand, wrapped)
    ]
    for step, (sentences, labels) in enumerate(batches):
        losses = []
        for model, optimizer in zip((hand, wrapped), optimizers, strict=True):
            torch.manual_seed(step)  # the same dropout masks in both
            loss = model(**encode(tokenizer, sentences, labels)).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        assert losses[0] == pytest.approx(losses[1], abs=1e-4)
    for name, param in hand.named_parameters():
        if name in frozen:
            assert torch.equal(param, frozen[name]), f"{name} changed"
    wrapped.eval()
    with torch.no_grad():
        before = wrapped(**first).logits
        merged = wrapped.merge_and_unload()
        torch.testing.assert_close(merged(**first).logits, before, atol=1e-4, rtol=0)
    assert not any("lora" in n for n, _ in merged.named_parameters())


def test_in_place_adapters_train_as_many_as_the_wrapped_ones(tiny_family_dirs):
    """The benchmark's adapters (peft in place, the model keeps its class) match the lesson's."""
    source = tiny_family_dirs["tiny-llama"]
    tokenizer = load_tokenizer(source)
    inplace = add_lora_with_peft(load_model(source, tokenizer))
    assert type(inplace).__name__ == "LlamaForSequenceClassification"
    assert trained_parameters(inplace) == trained_parameters(pair(source)[1])
    assert trained_bytes(inplace) == 4 * trained_parameters(inplace)  # fp32


def test_peft_model_shows_no_deprecation_warning(tiny_family_dirs):
    """peft reads transformers' deprecated `is_gradient_checkpointing`: the appendix's output stays clean."""
    import warnings

    from peft import get_peft_model

    from workshop_lib.appendix.lora import lora_config

    source = tiny_family_dirs["tiny-llama"]

    def warned(wrap) -> bool:
        model = load_model(source, load_tokenizer(source))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            wrap(model)
        return any("is_gradient_checkpointing" in str(w.message) for w in caught)

    if not warned(lambda model: get_peft_model(model, lora_config(model, 8, 16))):
        pytest.skip("these peft and transformers versions no longer warn: nothing to hide")
    assert not warned(peft_model)


def run(seed: int, lora: bool, rate: float, selection: float, validation: float) -> dict:
    """A results-file run of real_weights.py, as the lora block reads it."""
    metrics = {"mcc": validation, "selection_mcc": selection, "train_seconds": 100.0, "peak_rss_gib": 5.0,
               "trained_parameters": 10, "saved_bytes": 2e6}  # fmt: skip
    return {"settings": {"seed": seed, "learning_rate": rate}, "metrics": metrics, "load": [1.0, 2.0],
            "command": f"python real_weights.py --seeds {seed}",
            "machine": {"cpu": "a CPU", "kind": "AVX2", "nproc": 2, "torch": "2"},
            **({"trained": "LoRA rank 8"} if lora else {})}  # fmt: skip


def test_the_lora_block_chooses_the_rate_on_the_selection_split_and_shows_its_runs(monkeypatch):
    import lora_table

    runs = [run(42, False, 1.5e-4, 0.5, 0.4), run(1, False, 1.5e-4, 0.5, 0.3),
            run(42, True, 1e-3, 0.6, 0.1),  # the best on the selection split, not on validation
            run(42, True, 2e-3, 0.4, 0.9), run(1, True, 1e-3, 0.5, 0.2)]  # fmt: skip
    assert lora_table.chosen_rates(runs) == {"full fine-tuning": 1.5e-4, "LoRA rank 8": 1e-3}
    speed = {"steady_seconds": {"quick": [3.0], "lora": [2.0]}, "load": ["1/1/1"], "steps": 15,
             "precision": "bf16", "machine": {"cpu": "a CPU", "kind": "AVX2"},
             "command": "lora_speed.py"}  # fmt: skip
    files = {"lora-quick-standin": {"runs": runs}, "lora-speed-standin": speed}
    monkeypatch.setattr(lora_table, "result", files.get)
    block = lora_table.block()
    full = "| full fine-tuning | 0.00015 | 42, 1 | 0.400 / 0.300 |"
    adapters = "| LoRA rank 8 | 0.001 | 42, 1 |"
    assert block.index(full) < block.index(adapters)
    assert "0.900" not in block, "the rate tried and not chosen has no row"
    assert "1.50×" in block and "stand-in, not GPT-2" in block
    assert "`python real_weights.py --seeds S`" in block
    assert "of those tried (0.001 → 0.600, 0.002 → 0.400)" in block


def test_the_tuning_line_says_when_only_one_rate_was_tried():
    import lora_table

    runs = [run(42, False, 1.5e-4, 0.5, 0.4), run(42, True, 1e-3, 0.2, 0.25)]
    line = lora_table.tuning_line(runs, lora_table.chosen_rates(runs))
    assert "the only rate tried" in line and "scored best" not in line
