"""Tokenizer and model loading, the pad-token fix, the three tiny families, broken model folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
import transformers
from hubless import offline_run
from safetensors.torch import load_file
from tokenizers import ByteLevelBPETokenizer
from transformers import (
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertTokenizerFast,
    GPT2ForSequenceClassification,
    GPT2TokenizerFast,
    pipeline,
)
from transformers.activations import GELUTanh, NewGELUActivation

from workshop_lib.hub import is_local
from workshop_lib.modeling import (
    ModelFolderError,
    freeze_lower_blocks,
    load_model,
    load_tokenizer,
    transformer_blocks,
)
from workshop_lib.tiny import BUILD_FILE, build_tiny_gpt2, build_tiny_llama, tiny_model, tiny_recipe

SENTENCE = "Our friends won't buy this analysis, let alone the next one we propose."


def test_tiny_gpt2_has_the_hub_checkpoint_files(tiny_dir):
    files = {p.name for p in tiny_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt"} <= files
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in files)  # safetensors only
    # Plain transformers reads it as GPT-2 with its language-model head, every weight from the file.
    model, info = AutoModelForCausalLM.from_pretrained(tiny_dir, output_loading_info=True)
    assert type(model).__name__ == "GPT2LMHeadModel" and model.config.model_type == "gpt2"
    assert not info["missing_keys"] and not info["unexpected_keys"]
    # vocab.json + merges.txt (what older tools read) are the same tokenizer as tokenizer.json.
    bpe = ByteLevelBPETokenizer(str(tiny_dir / "vocab.json"), str(tiny_dir / "merges.txt"))
    assert bpe.encode(SENTENCE).ids == GPT2TokenizerFast.from_pretrained(tiny_dir)(SENTENCE)["input_ids"]


def test_tokenizer_gets_a_pad_token(tiny_dir):
    raw = GPT2TokenizerFast.from_pretrained(tiny_dir)
    assert raw.pad_token is None  # like GPT-2 itself
    tokenizer = load_tokenizer(tiny_dir)
    assert tokenizer.pad_token == tokenizer.eos_token == "<|endoftext|>"


def test_model_loads_the_checkpoint_and_adds_a_two_label_head(tiny_dir):
    tokenizer = load_tokenizer(tiny_dir)
    model = load_model(tiny_dir, tokenizer).eval()
    checkpoint = load_file(tiny_dir / "model.safetensors")
    body = {f"transformer.{name}": weights for name, weights in model.transformer.state_dict().items()}
    assert body.keys() <= checkpoint.keys()
    assert all(torch.equal(weights, checkpoint[name]) for name, weights in body.items())  # loaded, not drawn
    assert model.score.weight.shape == (2, model.config.n_embd)  # a new two-label head
    assert model.config.pad_token_id == tokenizer.pad_token_id  # padding invariance: every family, below


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
    checkpoint = load_file(tiny_dir / "model.safetensors")
    assert torch.equal(classify.model.transformer.wte.weight, checkpoint["transformer.wte.weight"])
    [verdict] = classify("The dog sees a cat.")
    with torch.inference_mode():
        logits = classify.model(**classify.tokenizer("The dog sees a cat.", return_tensors="pt")).logits[0]
    assert verdict["label"] == f"LABEL_{int(logits.argmax())}"  # the pipeline's verdict is its model's
    assert verdict["score"] == pytest.approx(float(logits.softmax(-1).max()), abs=1e-5)


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


@pytest.mark.extended  # a fresh Python per call (torch imports): --all only
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


# --- Three tiny families ---

FAMILIES = ["tiny", "tiny-llama", "tiny-bert"]


ARCHITECTURES = {  # what each documented tiny name must build, with the pretraining head a hub checkpoint has
    "tiny": ("gpt2", "GPT2LMHeadModel"),
    "tiny-llama": ("llama", "LlamaForCausalLM"),
    "tiny-bert": ("bert", "BertForPreTraining"),
}


@pytest.mark.parametrize("name", FAMILIES)
def test_tiny_families_are_hub_like_checkpoints(tiny_family_dirs, name):
    folder = tiny_family_dirs[name]
    files = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= files
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in files)  # safetensors only
    model_type, architecture = ARCHITECTURES[name]
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == model_type and config["architectures"] == [architecture]
    _, info = getattr(transformers, architecture).from_pretrained(folder, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]  # the file holds that whole network


def test_tiny_bert_has_berts_tokens_and_heads(tiny_family_dirs):
    folder = tiny_family_dirs["tiny-bert"]
    assert (folder / "vocab.txt").is_file()  # WordPiece vocabulary, as on the hub
    tokenizer = load_tokenizer(folder)
    assert isinstance(tokenizer, BertTokenizerFast)
    assert [tokenizer.cls_token, tokenizer.sep_token, tokenizer.pad_token, tokenizer.mask_token] == [
        "[CLS]",
        "[SEP]",
        "[PAD]",
        "[MASK]",
    ]
    ids = tokenizer("The dog sees a cat.")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    # Its masked-LM head and its pooler are in the checkpoint, as in bert-base-uncased: only the new
    # classification head is drawn at random when the workshop loads it as a classifier.
    masked_lm, info = AutoModelForMaskedLM.from_pretrained(folder, output_loading_info=True)
    assert masked_lm.config.hidden_act == "gelu" and not info["missing_keys"]
    _, info = BertForSequenceClassification.from_pretrained(folder, output_loading_info=True)
    assert info["missing_keys"] == {"classifier.weight", "classifier.bias"}


def test_tiny_llama_pads_with_its_end_of_text_token(tiny_family_dirs):
    folder = tiny_family_dirs["tiny-llama"]
    raw = AutoTokenizer.from_pretrained(folder)
    assert raw.pad_token is None  # like Llama 3: no pad token shipped
    assert raw("The dog.")["input_ids"][0] == raw.bos_token_id  # begin-of-text in front
    tokenizer = load_tokenizer(folder)
    assert tokenizer.pad_token == tokenizer.eos_token == "<|end_of_text|>"
    model = load_model(folder, tokenizer)
    assert type(model).__name__ == "LlamaForSequenceClassification"
    assert model.config.pad_token_id == tokenizer.eos_token_id
    assert model.config.hidden_act == "silu"  # no GELU to fuse: left alone


@pytest.mark.parametrize("name", FAMILIES)
def test_every_family_classifies_padded_batches_like_single_sentences(tiny_family_dirs, name):
    tokenizer = load_tokenizer(tiny_family_dirs[name])
    model = load_model(tiny_family_dirs[name], tokenizer).eval()
    assert model.config.id2label == {0: "unacceptable", 1: "acceptable"}
    texts = ["The dog sees a cat.", "The old teachers in the park have read a small book."]
    with torch.inference_mode():
        batch = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
        alone = torch.cat([model(**tokenizer([t], return_tensors="pt")).logits for t in texts])
    # The classifier reads the last real token, so padding must not change the short sentence's logits.
    torch.testing.assert_close(batch, alone, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name", FAMILIES)
def test_freezing_the_lower_blocks_stops_backward_at_the_first_trained_block(tiny_family_dirs, name):
    tokenizer = load_tokenizer(tiny_family_dirs[name])
    model = load_model(tiny_family_dirs[name], tokenizer)
    blocks = transformer_blocks(model)
    assert len(blocks) == model.config.num_hidden_layers == 2
    assert freeze_lower_blocks(model, 0.5) == 1
    trained = {id(p) for p in model.parameters() if p.requires_grad}
    assert not trained & {id(p) for p in blocks[0].parameters()}  # the lower block stays as pretrained
    assert {id(p) for p in blocks[1].parameters()} <= trained
    model(**tokenizer(["The dog sees a cat."], return_tensors="pt"), labels=torch.tensor([1])).loss.backward()
    gets_gradient = {name for name, p in model.named_parameters() if p.grad is not None}
    assert gets_gradient == {name for name, p in model.named_parameters() if p.requires_grad}
    assert not any("embed" in n or "wte" in n or "wpe" in n for n in gets_gradient)  # positions too
    assert any(n.startswith(("score", "classifier")) for n in gets_gradient)  # the head still learns


def test_fused_gelu_only_where_exactly_equivalent(tiny_family_dirs):
    activations = {
        name: getattr(load_model(folder).config, "activation_function", None)
        or load_model(folder).config.hidden_act
        for name, folder in tiny_family_dirs.items()
    }
    assert activations == {"tiny": "gelu_pytorch_tanh", "tiny-llama": "silu", "tiny-bert": "gelu"}


def test_tiny_model_is_rebuilt_for_another_seed_and_reused_for_the_same(tmp_path):
    folder = tmp_path / "tiny-gpt2"
    tiny_model("tiny", folder, seed=0)
    first = load_file(folder / "model.safetensors")
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert tiny_model("tiny", folder, seed=0) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp  # same recipe: reused, not rebuilt
    tiny_model("tiny", folder, seed=1)
    second = load_file(folder / "model.safetensors")
    assert not torch.equal(first["transformer.wte.weight"], second["transformer.wte.weight"])
    assert json.loads((folder / BUILD_FILE).read_text())["seed"] == 1


def test_tiny_recipe_names_family_seed_and_tokenizer_source(tiny_dir):
    recipe = tiny_recipe("tiny-bert", seed=3)
    assert recipe["family"] == "tiny-bert" and recipe["seed"] == 3
    assert recipe["tokenizer"].startswith("embedded training set ")
    assert tiny_recipe("tiny", tokenizer_dir=tiny_dir)["tokenizer"].startswith(str(tiny_dir.resolve()))
    with pytest.raises(ValueError, match="choose one of tiny, tiny-llama, tiny-bert"):
        tiny_recipe("tiny-t5")


def test_building_does_not_move_the_global_random_state(tmp_path):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_tiny_llama(tmp_path / "llama", seed=5)
    torch.testing.assert_close(torch.rand(3), expected)


# --- Broken model folders: one clear error each ---


@pytest.mark.parametrize(
    ("value", "local"),
    [
        ("openai-community/gpt2", False),
        ("gpt2", False),
        ("./gpt2", True),
        ("../models/gpt2", True),
        ("~/models/gpt2", True),
        ("/models/gpt2", True),
        ("data/models/gpt2", True),  # a hub id has at most one slash
    ],
)
def test_what_counts_as_a_local_folder(value, local):
    assert is_local(value) is local


def test_an_existing_folder_is_local_whatever_its_name(tmp_path, monkeypatch):
    (tmp_path / "org" / "name").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert is_local("org/name")


def _copy(folder, tmp_path, keep) -> Path:
    """A copy of a checkpoint folder with only the files named in `keep`."""
    out = tmp_path / "model"
    out.mkdir()
    for name in keep:
        shutil.copy(folder / name, out / name)
    return out


def test_missing_local_folder_is_not_called_a_hub_problem(tmp_path):
    missing = tmp_path / "no-such-model"
    for load in (load_tokenizer, load_model):
        with pytest.raises(ModelFolderError, match=r"no-such-model: it does not exist") as err:
            load(missing)
        assert "hub" not in str(err.value).split("Fix:")[0]
        assert "check the path" in str(err.value)
    with pytest.raises(ModelFolderError, match="does not exist"):
        load_model("./no-such-model-here")


def test_empty_folder(tmp_path):
    with pytest.raises(ModelFolderError, match=r"it is empty\.\nFix: copy a whole checkpoint"):
        load_model(tmp_path)


def test_folder_without_tokenizer_files(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path, ["config.json", "model.safetensors"])
    with pytest.raises(ModelFolderError, match=r"no tokenizer files.*\nFix: copy the tokenizer files") as err:
        load_model(folder)
    assert str(folder) in str(err.value)


def test_corrupt_config(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path, ["model.safetensors", "tokenizer.json", "tokenizer_config.json"])
    (folder / "config.json").write_text('{"model_type": "gpt2", "n_layer": ')  # cut off mid-write
    with pytest.raises(ModelFolderError, match=r"config\.json is damaged: it is not valid JSON"):
        load_model(folder)
    (folder / "config.json").write_text('{"n_layer": 2}')
    with pytest.raises(ModelFolderError, match="config.json has no 'model_type'"):
        load_model(folder)


def test_corrupt_weights(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path, ["config.json", "tokenizer.json", "tokenizer_config.json"])
    data = (tiny_dir / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 2])  # an interrupted download
    with pytest.raises(ModelFolderError, match=r"model\.safetensors is damaged or incomplete") as err:
        load_model(folder)
    assert "download model.safetensors again" in str(err.value)


def test_pickle_only_weights_are_refused_with_a_conversion_hint(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path, ["config.json", "tokenizer.json", "tokenizer_config.json"])
    torch.save(load_file(tiny_dir / "model.safetensors"), folder / "pytorch_model.bin")
    with pytest.raises(ModelFolderError, match=r"only pickle weights \(pytorch_model\.bin\)") as err:
        load_model(folder)
    assert "GPT2LMHeadModel.from_pretrained" in str(err.value)  # the architecture from config.json


def test_folder_without_weights(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path, ["config.json", "tokenizer.json", "tokenizer_config.json"])
    with pytest.raises(ModelFolderError, match=r"it has no weights \(model\.safetensors\)"):
        load_model(folder)


@pytest.mark.extended  # a fresh Python per call (torch imports): --all only
def test_a_relative_path_without_dot_gets_a_local_folder_hint_offline(tmp_path):
    root = str(Path(__file__).resolve().parent.parent)  # this checkout, not the installed package
    code = f"import sys; sys.path.insert(0, {root!r}); from workshop_lib.modeling import load_model; "
    done, _ = offline_run(code + "load_model('models/gpt2')", tmp_path)
    assert "HubUnavailableError" in done.stderr
    assert "if 'models/gpt2' is meant as a local folder" in done.stderr and "'./models/gpt2'" in done.stderr


def test_sharded_weights_with_a_missing_shard(tiny_dir, tmp_path):
    folder = _copy(tiny_dir, tmp_path, ["config.json", "tokenizer.json", "tokenizer_config.json"])
    shards = {
        "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}
    }
    (folder / "model.safetensors.index.json").write_text(json.dumps(shards))
    shutil.copy(tiny_dir / "model.safetensors", folder / "model-00001-of-00002.safetensors")
    with pytest.raises(ModelFolderError, match=r"shards .* are missing: model-00002-of-00002\.safetensors"):
        load_model(folder)
