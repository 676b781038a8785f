"""The three tiny random models (GPT-2, Llama-style, BERT), built offline like hub checkpoints."""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForPreTraining,
    BertTokenizerFast,
    GPT2Config,
    GPT2LMHeadModel,
    GPT2TokenizerFast,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerFast,
)

from .paths import shipped
from .settings import TINY_FAMILIES, is_tiny_model

TINY_CONFIG = {"n_layer": 2, "n_head": 2, "n_embd": 64, "n_positions": 128}  # seconds on a CPU
TINY_SIZE = {  # the same size in the names Llama's and BERT's configs use
    "hidden_size": TINY_CONFIG["n_embd"],
    "intermediate_size": 4 * TINY_CONFIG["n_embd"],
    "num_hidden_layers": TINY_CONFIG["n_layer"],
    "num_attention_heads": TINY_CONFIG["n_head"],
    "max_position_embeddings": TINY_CONFIG["n_positions"],
}


def _embedded_sentences() -> list[str]:
    """The embedded set's training sentences: what the tiny tokenizers are trained on."""
    from .data import load_cola

    return load_cola("embedded")["train"]["sentence"]


def train_bpe_tokenizer(texts: list[str], vocab_size: int = 600) -> GPT2TokenizerFast:
    """Train a byte-level BPE (GPT-2's algorithm) on `texts`, with GPT-2's end-of-text token."""
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(
        texts, vocab_size=vocab_size, min_frequency=1, special_tokens=["<|endoftext|>"], show_progress=False
    )
    return GPT2TokenizerFast(
        tokenizer_object=bpe._tokenizer,
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        model_max_length=TINY_CONFIG["n_positions"],
    )


def train_llama_tokenizer(texts: list[str], vocab_size: int = 600) -> PreTrainedTokenizerFast:
    """A Llama-3-style tokenizer: byte-level BPE, a begin-of-text token added in front, no pad token."""
    from tokenizers import ByteLevelBPETokenizer, processors

    bos, eos = "<|begin_of_text|>", "<|end_of_text|>"
    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(
        texts, vocab_size=vocab_size, min_frequency=1, special_tokens=[bos, eos], show_progress=False
    )
    backend = bpe._tokenizer
    backend.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single=f"{bos} $A",
                pair=f"{bos} $A {bos}:1 $B:1",
                special_tokens=[(bos, backend.token_to_id(bos))],
            ),
        ]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token=bos, eos_token=eos, model_max_length=TINY_CONFIG["n_positions"]
    )


def train_wordpiece_tokenizer(texts: list[str], vocab_size: int = 600) -> BertTokenizerFast:
    """BERT's WordPiece (lower-cased) trained on `texts`, with [PAD] [UNK] [CLS] [SEP] [MASK]."""
    from tokenizers import BertWordPieceTokenizer

    wordpiece = BertWordPieceTokenizer(lowercase=True)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wordpiece.train_from_iterator(
        texts, vocab_size=vocab_size, min_frequency=1, special_tokens=specials, show_progress=False
    )
    return BertTokenizerFast(
        tokenizer_object=wordpiece._tokenizer, do_lower_case=True, model_max_length=TINY_CONFIG["n_positions"]
    )


def _save_tiny(
    out_dir: str | Path, make_model: Callable[[], PreTrainedModel], tokenizer, seed: int, overwrite: bool
) -> Path:
    """Draw the weights from `seed` (leaving the global RNG alone); save model and tokenizer atomically."""
    from .records import atomic_dir

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = make_model()
    out_dir = Path(out_dir)
    with atomic_dir(out_dir, overwrite=overwrite) as tmp:
        model.save_pretrained(tmp)  # config.json + model.safetensors, the transformers default
        tokenizer.save_pretrained(tmp)  # tokenizer.json + tokenizer_config.json
        if isinstance(tokenizer, GPT2TokenizerFast):
            tokenizer.backend_tokenizer.model.save(str(tmp))  # vocab.json + merges.txt, as on the hub
        if isinstance(tokenizer, BertTokenizerFast):
            vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
            (tmp / "vocab.txt").write_text("".join(f"{token}\n" for token, _ in vocab))  # as on the hub
    return out_dir


def _tokenizer_from(tokenizer_dir: str | Path | None, train: Callable, kind=AutoTokenizer):
    """The tokenizer in `tokenizer_dir` (cut to the tiny length), or one trained on the embedded set."""
    if tokenizer_dir is None:
        return train(_embedded_sentences())
    tokenizer = kind.from_pretrained(str(tokenizer_dir))
    tokenizer.model_max_length = TINY_CONFIG["n_positions"]
    return tokenizer


def gpt2_config(tokenizer) -> GPT2Config:
    """A small random-weight GPT-2 that loads like the real one."""
    return GPT2Config(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        architectures=["GPT2LMHeadModel"],
        **TINY_CONFIG,
    )


def llama_config(tokenizer) -> LlamaConfig:
    """A small random Llama-style decoder: RMSNorm, rotary positions, SiLU MLP, grouped queries."""
    return LlamaConfig(
        vocab_size=len(tokenizer),
        **TINY_SIZE,
        num_key_value_heads=1,
        hidden_act="silu",
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=None,  # like Llama 3: no pad token; load_tokenizer pads with the end-of-text token
        tie_word_embeddings=True,  # as small Llama-style models (SmolLM, Qwen2.5-0.5B) do
        architectures=["LlamaForCausalLM"],
    )


def bert_config(tokenizer) -> BertConfig:
    """A small random BERT (pooler, masked-LM and next-sentence heads) for a WordPiece tokenizer."""
    return BertConfig(
        vocab_size=len(tokenizer),
        **TINY_SIZE,
        pad_token_id=tokenizer.pad_token_id,
        architectures=["BertForPreTraining"],  # MLM head and pooler, as bert-base-uncased holds
    )


# each of TINY_FAMILIES: (how its tokenizer is trained, the tokenizer class to load one as, its config,
# its model class)
TINY_MODELS: dict[str, tuple[Callable, type, Callable, type]] = {
    "tiny": (train_bpe_tokenizer, GPT2TokenizerFast, gpt2_config, GPT2LMHeadModel),  # the smoke model
    "tiny-llama": (train_llama_tokenizer, AutoTokenizer, llama_config, LlamaForCausalLM),
    "tiny-bert": (train_wordpiece_tokenizer, BertTokenizerFast, bert_config, BertForPreTraining),
}


def build_tiny(
    name: str, out_dir: str | Path, tokenizer_dir: str | Path | None = None, seed: int = 0, overwrite=False
) -> Path:
    """Save the tiny model `name` (config, safetensors, tokenizer files) as a hub checkpoint holds them.

    The tokenizer is trained on the embedded set, or read from `tokenizer_dir` (a real one, cut to size).
    """
    train, kind, make_config, model_class = TINY_MODELS[name]
    tokenizer = _tokenizer_from(tokenizer_dir, train, kind)
    config = make_config(tokenizer)
    return _save_tiny(out_dir, lambda: model_class(config), tokenizer, seed, overwrite)


build_tiny_gpt2 = functools.partial(build_tiny, "tiny")
build_tiny_llama = functools.partial(build_tiny, "tiny-llama")
build_tiny_bert = functools.partial(build_tiny, "tiny-bert")

BUILD_FILE = "tiny-build.json"  # what a tiny model was built from; a different recipe rebuilds it


def _fingerprint(path: Path) -> str:
    """A short SHA-256 of a file, or of a folder's files (names and bytes)."""
    digest = hashlib.sha256()
    for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if file.is_file():
            digest.update(file.name.encode() + file.read_bytes())
    return digest.hexdigest()[:16]


def tiny_recipe(name: str, seed: int = 0, tokenizer_dir: str | Path | None = None) -> dict:
    """What a tiny model is built from: family, seed, tokenizer source (and its content), size."""
    if not is_tiny_model(name):
        raise ValueError(f"Unknown tiny model {name!r}; choose one of {', '.join(TINY_FAMILIES)}.")
    if tokenizer_dir is None:
        source = f"embedded training set {_fingerprint(shipped('acceptability') / 'train.tsv')}"
    else:
        source = f"{Path(tokenizer_dir).resolve()} {_fingerprint(Path(tokenizer_dir))}"
    return {"family": name, "seed": seed, "tokenizer": source, "size": TINY_CONFIG}


def tiny_model(name: str, folder: str | Path, seed: int = 0, tokenizer_dir: str | Path | None = None) -> Path:
    """The tiny model `name` in `folder`, (re)built when missing or made from another recipe."""
    recipe = tiny_recipe(name, seed, tokenizer_dir)
    folder = Path(folder)
    build_file = folder / BUILD_FILE
    if build_file.is_file() and json.loads(build_file.read_text()) == recipe:
        return folder
    if folder.exists():
        print(f"{folder} was built from another recipe (seed, tokenizer or size): rebuilding it.")
    build_tiny(name, folder, tokenizer_dir, seed=seed, overwrite=True)
    from .records import atomic_write_json

    atomic_write_json(build_file, recipe)
    return folder


def tiny_gpt2(folder: str | Path = "artifacts/tiny-gpt2", seed: int = 0) -> Path:
    """Return the tiny GPT-2 folder (BPE trained on the embedded set), building it when needed."""
    return tiny_model("tiny", folder, seed)


if __name__ == "__main__":  # maintainers: python -m workshop_lib.tiny OUT_DIR [TOKENIZER_DIR]
    print(build_tiny_gpt2(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
