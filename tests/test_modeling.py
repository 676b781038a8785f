"""Tokenizer and model loading, the pad-token fix, the tiny GPT-2 and other architectures."""

from __future__ import annotations

import pytest
import torch
from hubless import offline_run
from transformers import (
    AutoModelForCausalLM,
    BertConfig,
    BertForMaskedLM,
    BertTokenizerFast,
    GPT2ForSequenceClassification,
    GPT2TokenizerFast,
    pipeline,
)
from transformers.activations import GELUTanh, NewGELUActivation

from workshop_lib.modeling import build_tiny_gpt2, load_model, load_tokenizer

SENTENCE = "Our friends won't buy this analysis, let alone the next one we propose."


def test_tiny_gpt2_has_the_hub_checkpoint_files(tiny_dir):
    files = {p.name for p in tiny_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt"} <= files
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in files)  # safetensors only
    assert isinstance(AutoModelForCausalLM.from_pretrained(tiny_dir), torch.nn.Module)
    assert isinstance(GPT2TokenizerFast.from_pretrained(tiny_dir), GPT2TokenizerFast)


def test_tokenizer_gets_a_pad_token(tiny_dir):
    raw = GPT2TokenizerFast.from_pretrained(tiny_dir)
    assert raw.pad_token is None  # like GPT-2 itself
    tokenizer = load_tokenizer(tiny_dir)
    assert tokenizer.pad_token == tokenizer.eos_token == "<|endoftext|>"


def test_model_config_and_padding_invariance(tiny_dir):
    tokenizer = load_tokenizer(tiny_dir)
    model = load_model(tiny_dir, tokenizer).eval()
    assert isinstance(model, GPT2ForSequenceClassification)
    assert model.config.pad_token_id == tokenizer.pad_token_id
    assert model.config.id2label == {0: "unacceptable", 1: "acceptable"}
    texts = ["The dog sees a cat.", "The old teachers in the park have read a small book."]
    with torch.inference_mode():
        batch = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
        alone = torch.cat([model(**tokenizer([t], return_tensors="pt")).logits for t in texts])
    # The classifier reads the last real token, so padding must not change the short sentence's logits.
    torch.testing.assert_close(batch, alone, atol=1e-5, rtol=1e-4)


def test_fused_gelu_computes_gpt2s_activation(tiny_dir):
    tokenizer = load_tokenizer(tiny_dir)
    fused = load_model(tiny_dir, tokenizer).eval()
    pad = tokenizer.pad_token_id
    plain = GPT2ForSequenceClassification.from_pretrained(tiny_dir, pad_token_id=pad).eval()
    plain.score.load_state_dict(fused.score.state_dict())  # the same (new, random) head on both
    assert plain.config.activation_function == "gelu_new"  # what GPT-2's checkpoint asks for
    assert fused.config.activation_function == "gelu_pytorch_tanh"
    assert all(isinstance(block.mlp.act, GELUTanh) for block in fused.transformer.h)
    x = torch.linspace(-6, 6, 1001)
    torch.testing.assert_close(GELUTanh()(x), NewGELUActivation()(x), atol=1e-6, rtol=1e-5)
    batch = tokenizer(["The dog sees a cat.", "Cat the sees dog a."], padding=True, return_tensors="pt")
    with torch.inference_mode():
        torch.testing.assert_close(fused(**batch).logits, plain(**batch).logits, atol=1e-5, rtol=1e-4)


def test_pipeline_loads_the_tiny_checkpoint(tiny_dir):
    classify = pipeline("text-classification", model=str(tiny_dir))
    assert classify("The dog sees a cat.")[0]["label"] in {"LABEL_0", "LABEL_1"}


def test_other_architecture_by_path(tmp_path):
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "sees", "a", "cat", "."]
    (tmp_path / "vocab.txt").write_text("\n".join(words) + "\n")
    BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    config = BertConfig(
        vocab_size=len(words),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    BertForMaskedLM(config).save_pretrained(tmp_path)
    model = load_model(tmp_path)
    assert type(model).__name__ == "BertForSequenceClassification"
    assert model.config.id2label[1] == "acceptable"
    tokenizer = load_tokenizer(tmp_path)
    assert model(**tokenizer(["the dog sees a cat ."], return_tensors="pt")).logits.shape == (1, 2)


def test_offline_model_load_fails_fast(tmp_path):
    code = "from workshop_lib.modeling import load_model; load_model('openai-community/gpt2')"
    done, seconds = offline_run(code, tmp_path)
    assert seconds < 10
    assert "HubUnavailableError" in done.stderr and "MODEL_NAME='/path/to/model'" in done.stderr


@pytest.mark.shared
def test_real_gpt2_tokenizer(gpt2_tokenizer_dir):
    tokenizer = load_tokenizer(gpt2_tokenizer_dir)
    assert tokenizer(SENTENCE)["input_ids"] == [
        5122,
        2460,
        1839,
        470,
        2822,
        428,
        3781,
        11,
        1309,
        3436,
        262,
        1306,
        530,
        356,
        18077,
        13,
    ]
    assert tokenizer.pad_token == "<|endoftext|>"


@pytest.mark.shared
def test_tiny_gpt2_on_real_tokenizer(gpt2_tokenizer_dir, tmp_path):
    folder = build_tiny_gpt2(tmp_path / "tiny", gpt2_tokenizer_dir)
    tokenizer = load_tokenizer(folder)
    assert len(tokenizer) == 50257
    assert tokenizer(SENTENCE)["input_ids"][:3] == [5122, 2460, 1839]
    assert load_model(folder, tokenizer).config.vocab_size == 50257
