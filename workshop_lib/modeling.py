"""Tokenizers and sequence-classification models: hub ids, checked local folders, three tiny families."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
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
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
)

from .config import HUB_MODEL
from .data import EMBEDDED_DIR, LABEL_NAMES
from .hub import hub_load

ID2LABEL = dict(enumerate(LABEL_NAMES))
LABEL2ID = {name: i for i, name in ID2LABEL.items()}
TINY_CONFIG = {"n_layer": 2, "n_head": 2, "n_embd": 64, "n_positions": 128}  # seconds on a CPU
# GPT-2's gelu_new is Python arithmetic that keeps several tensors per MLP for backward; PyTorch's one-kernel
# tanh GELU computes the same formula (to 1e-6) and keeps one: GPT-2 small's peak training memory on CoLA
# fell from 3.78 to 2.84 GiB (BENCHMARKS.md, finding 9). Only this exact equivalence is swapped: BERT's erf
# GELU ("gelu") and Llama's SiLU stay as they are.
FUSED_ACTIVATIONS = {"gelu_new": "gelu_pytorch_tanh"}
OFFLINE_ALTERNATIVES = (
    "  - a local model directory (config.json, model.safetensors, tokenizer files): "
    "MODEL_NAME='/path/to/model'\n"
    "  - a tiny offline model the workshop builds itself: PROFILE='smoke', or MODEL_NAME='tiny' (GPT-2), "
    "'tiny-llama' or 'tiny-bert'"
)
# What a checkpoint folder may hold: any one of these tokenizer files, and weights.
TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.json",
    "vocab.txt",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
)
PICKLE_FILES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


class ModelFolderError(ValueError):
    """A local model folder is missing or broken; the message names the folder, the problem and the fix."""


def looks_local(name_or_path: str | Path) -> bool:
    """True for a local folder: a Path, an absolute or ./ ../ ~ path, an existing folder, or a/b/c."""
    text = str(name_or_path)
    return (
        isinstance(name_or_path, Path)
        or text.startswith(("/", "./", "../", "~", ".\\", "..\\"))
        or text in {".", ".."}
        or text.count("/") > 1  # a hub id is "name" or "org/name"
        or Path(text).expanduser().is_dir()
    )


def _folder_error(folder: Path, problem: str, fix: str) -> ModelFolderError:
    """One message shape for every broken folder: which folder, what is wrong, what to do."""
    return ModelFolderError(f"Model folder {folder}: {problem}\nFix: {fix}")


def _read_config(folder: Path) -> dict:
    """Parse config.json, or raise a ModelFolderError saying it is damaged."""
    path = folder / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _folder_error(
            folder,
            f"config.json is damaged: it is not valid JSON ({err}).",
            "copy or download config.json again from where the checkpoint came from.",
        ) from None
    if not isinstance(config, dict) or "model_type" not in config:
        raise _folder_error(
            folder,
            "config.json has no 'model_type', so transformers cannot tell which architecture it is.",
            "copy or download config.json again from where the checkpoint came from.",
        )
    return config


def _check_weights(folder: Path, config: dict) -> None:
    """Refuse pickle-only weights and safetensors files whose header is damaged or incomplete."""
    from safetensors import SafetensorError, safe_open

    if (folder / "model.safetensors.index.json").is_file():  # weights split into shards
        try:
            index = json.loads((folder / "model.safetensors.index.json").read_text())
        except json.JSONDecodeError as err:
            raise _folder_error(
                folder,
                f"model.safetensors.index.json is damaged: it is not valid JSON ({err}).",
                "copy or download it again from where the checkpoint came from.",
            ) from None
        shards = sorted(set(index.get("weight_map", {}).values()))
        absent = [shard for shard in shards if not (folder / shard).is_file()]
        if absent:
            raise _folder_error(
                folder,
                f"weight shards listed in model.safetensors.index.json are missing: {', '.join(absent)}.",
                "copy every model-*.safetensors file of the checkpoint into the folder.",
            )
    elif (folder / "model.safetensors").is_file():
        shards = ["model.safetensors"]
    else:
        pickles = [name for name in PICKLE_FILES if (folder / name).is_file()]
        if pickles:
            arch = (config.get("architectures") or ["AutoModel"])[0]
            raise _folder_error(
                folder,
                f"it holds only pickle weights ({', '.join(pickles)}). The workshop loads safetensors "
                "only: loading a pickle can run any code hidden in it.",
                "download the checkpoint's model.safetensors (most hub models have one), or convert it "
                'once, if you trust the file: python -c "from transformers import '
                f"{arch}; {arch}.from_pretrained('{folder}', use_safetensors=False)"
                f".save_pretrained('{folder}')\"",
            )
        raise _folder_error(
            folder,
            "it has no weights (model.safetensors).",
            "copy model.safetensors from the checkpoint into it, or save a model there with "
            "model.save_pretrained(folder).",
        )
    for shard in shards:
        try:
            with safe_open(str(folder / shard), framework="pt"):
                pass
        except (SafetensorError, OSError) as err:
            raise _folder_error(
                folder,
                f"{shard} is damaged or incomplete ({err}); an interrupted download or copy?",
                f"copy or download {shard} again from where the checkpoint came from.",
            ) from None


def check_model_folder(folder: str | Path, needs: str = "model") -> Path:
    """Check a local checkpoint folder for `needs` ("tokenizer", "config" or "model"); return it."""
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise _folder_error(
            folder,
            f"it does not exist (looked for {folder.resolve()}).",
            "check the path (an absolute one leaves no doubt about the folder a relative one starts "
            f"from). For a model on the hub give its id, such as '{HUB_MODEL}'.",
        )
    if not folder.is_dir():
        raise _folder_error(
            folder, "it is a file, not a folder.", "give the folder that holds config.json instead."
        )
    if not any(folder.iterdir()):
        raise _folder_error(
            folder,
            "it is empty.",
            "copy a whole checkpoint into it (config.json, model.safetensors and the tokenizer files), "
            "or save one there with model.save_pretrained(folder) and tokenizer.save_pretrained(folder).",
        )
    config = _read_config(folder) if (folder / "config.json").is_file() else None
    if needs == "tokenizer" and not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise _folder_error(
            folder,
            f"it has no tokenizer files (none of {', '.join(TOKENIZER_FILES)}).",
            "copy the tokenizer files from the checkpoint the model came from, or save them there "
            "with tokenizer.save_pretrained(folder).",
        )
    if needs in {"config", "model"} and config is None:
        raise _folder_error(
            folder,
            "it has no config.json, so transformers does not know the architecture.",
            "copy config.json from the checkpoint the weights came from.",
        )
    if needs == "model":
        _check_weights(folder, config)
    return folder


def _needs(loader) -> str:
    """What a loader reads from a folder: the tokenizer, the config, or the whole model."""
    if loader is AutoTokenizer or (isinstance(loader, type) and issubclass(loader, PreTrainedTokenizerBase)):
        return "tokenizer"
    return "config" if loader is AutoConfig else "model"


def _from(loader, name_or_path: str | Path, what: str, **kwargs):
    """Call `loader.from_pretrained` on a checked local folder, or on the hub with a fast failure."""
    if looks_local(name_or_path):
        folder = check_model_folder(name_or_path, _needs(loader))
        return loader.from_pretrained(str(folder), **kwargs)
    advice = OFFLINE_ALTERNATIVES
    if "/" in str(name_or_path):
        advice += (
            f"\n  - if '{name_or_path}' is meant as a local folder: it does not exist here; "
            f"write it as './{name_or_path}' or an absolute path"
        )
    return hub_load(
        lambda: loader.from_pretrained(str(name_or_path), **kwargs), f"{what} '{name_or_path}'", advice
    )


def ensure_pad_token(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Give a tokenizer without a pad token (GPT-2, Llama) its end-of-text token as pad token."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ValueError("The tokenizer has neither a pad nor an end-of-sequence token to pad with.")
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_tokenizer(name_or_path: str | Path = HUB_MODEL) -> PreTrainedTokenizerBase:
    """Load a tokenizer from the hub or a folder, with a pad token."""
    return ensure_pad_token(_from(AutoTokenizer, name_or_path, "the tokenizer"))


def load_model(
    name_or_path: str | Path = HUB_MODEL, tokenizer: PreTrainedTokenizerBase | None = None
) -> PreTrainedModel:
    """Load a 2-label sequence classifier with pad_token_id, readable labels and a fused GELU."""
    tokenizer = tokenizer or load_tokenizer(name_or_path)
    config = _from(
        AutoConfig,
        name_or_path,
        "the model",
        num_labels=len(LABEL_NAMES),
        id2label=ID2LABEL,
        label2id=LABEL2ID,
    )
    # Decoders' classifiers pool the last non-pad token, found through config.pad_token_id; encoders pool
    # their first ([CLS]) token, and need the id only for their embeddings' padding row.
    config.pad_token_id = tokenizer.pad_token_id
    if getattr(config, "activation_function", None) in FUSED_ACTIVATIONS:
        config.activation_function = FUSED_ACTIVATIONS[config.activation_function]
    return _from(
        AutoModelForSequenceClassification, name_or_path, "the model", config=config, use_safetensors=True
    )


def load_pretrained(loader, name_or_path: str | Path, what: str = "the files", **kwargs):
    """`loader.from_pretrained` (AutoTokenizer, AutoModelFor...): checked folders, fast-failing hub ids."""
    return _from(loader, name_or_path, what, **kwargs)


# --- Tiny random models of three families, built offline like hub checkpoints ---


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
    from .artifacts import atomic_dir

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


def build_tiny_gpt2(
    out_dir: str | Path, tokenizer_dir: str | Path | None = None, seed: int = 0, overwrite: bool = False
) -> Path:
    """Save a small random-weight GPT-2 (config, safetensors, tokenizer) that loads like the real one."""
    tokenizer = _tokenizer_from(tokenizer_dir, train_bpe_tokenizer, GPT2TokenizerFast)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        architectures=["GPT2LMHeadModel"],
        **TINY_CONFIG,
    )
    return _save_tiny(out_dir, lambda: GPT2LMHeadModel(config), tokenizer, seed, overwrite)


def build_tiny_llama(
    out_dir: str | Path, tokenizer_dir: str | Path | None = None, seed: int = 0, overwrite: bool = False
) -> Path:
    """Save a small random Llama-style decoder: RMSNorm, rotary positions, SiLU MLP, grouped queries."""
    tokenizer = _tokenizer_from(tokenizer_dir, train_llama_tokenizer)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=TINY_CONFIG["n_embd"],
        intermediate_size=4 * TINY_CONFIG["n_embd"],
        num_hidden_layers=TINY_CONFIG["n_layer"],
        num_attention_heads=TINY_CONFIG["n_head"],
        num_key_value_heads=1,
        max_position_embeddings=TINY_CONFIG["n_positions"],
        hidden_act="silu",
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=None,  # like Llama 3: no pad token; load_tokenizer pads with the end-of-text token
        tie_word_embeddings=True,  # as small Llama-style models (SmolLM, Qwen2.5-0.5B) do
        architectures=["LlamaForCausalLM"],
    )
    return _save_tiny(out_dir, lambda: LlamaForCausalLM(config), tokenizer, seed, overwrite)


def build_tiny_bert(
    out_dir: str | Path, tokenizer_dir: str | Path | None = None, seed: int = 0, overwrite: bool = False
) -> Path:
    """Save a small random BERT (pooler, masked-LM and next-sentence heads) with a WordPiece tokenizer."""
    tokenizer = _tokenizer_from(tokenizer_dir, train_wordpiece_tokenizer, BertTokenizerFast)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=TINY_CONFIG["n_embd"],
        num_hidden_layers=TINY_CONFIG["n_layer"],
        num_attention_heads=TINY_CONFIG["n_head"],
        intermediate_size=4 * TINY_CONFIG["n_embd"],
        max_position_embeddings=TINY_CONFIG["n_positions"],
        pad_token_id=tokenizer.pad_token_id,
        architectures=["BertForPreTraining"],  # MLM head and pooler, as bert-base-uncased holds
    )
    return _save_tiny(out_dir, lambda: BertForPreTraining(config), tokenizer, seed, overwrite)


TINY_MODELS: dict[str, Callable[..., Path]] = {
    "tiny": build_tiny_gpt2,  # the default smoke model
    "tiny-llama": build_tiny_llama,
    "tiny-bert": build_tiny_bert,
}
TINY_FOLDERS = {"tiny": "tiny-gpt2", "tiny-llama": "tiny-llama", "tiny-bert": "tiny-bert"}  # under OUTPUT_DIR
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
    if name not in TINY_MODELS:
        raise ValueError(f"Unknown tiny model {name!r}; choose one of {', '.join(TINY_MODELS)}.")
    if tokenizer_dir is None:
        source = f"embedded training set {_fingerprint(EMBEDDED_DIR / 'train.tsv')}"
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
    TINY_MODELS[name](folder, tokenizer_dir, seed=seed, overwrite=True)
    from .artifacts import atomic_write_json

    atomic_write_json(build_file, recipe)
    return folder


def tiny_gpt2(folder: str | Path = "artifacts/tiny-gpt2", seed: int = 0) -> Path:
    """Return the tiny GPT-2 folder (BPE trained on the embedded set), building it when needed."""
    return tiny_model("tiny", folder, seed)
