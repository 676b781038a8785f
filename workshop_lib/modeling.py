"""Tokenizers and sequence-classification models from a hub id, a checked local folder or a tiny model."""

from __future__ import annotations

import json
from pathlib import Path

from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .data import LABEL_NAMES
from .hub import hub_load, is_local
from .settings import HUB_MODEL, TINY_FAMILIES, Settings, is_tiny_model
from .tiny import tiny_model

ID2LABEL = dict(enumerate(LABEL_NAMES))
LABEL2ID = {name: i for i, name in ID2LABEL.items()}
# GPT-2's gelu_new is Python arithmetic that keeps several tensors per MLP for backward; PyTorch's one-kernel
# tanh GELU computes the same formula (to 1e-6) and keeps one, which lowers GPT-2 small's peak training
# memory on CoLA (measured: BENCHMARKS.md@afa5ab8, finding 9). Only this exact equivalence is swapped:
# BERT's erf GELU ("gelu") and Llama's SiLU stay as they are.
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
    if is_local(name_or_path):
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
    config.update(fused_activation(config))
    return _from(
        AutoModelForSequenceClassification, name_or_path, "the model", config=config, use_safetensors=True
    )


def fused_activation(config) -> dict:
    """{"activation_function": its one-kernel twin} for GPT-2's Python GELU; {} for every other model."""
    name = getattr(config, "activation_function", None)
    return {"activation_function": FUSED_ACTIVATIONS[name]} if name in FUSED_ACTIVATIONS else {}


def transformer_blocks(model: nn.Module) -> nn.ModuleList:
    """The model's stack of blocks: its longest ModuleList (GPT-2's h, Llama's layers, BERT's layer)."""
    return max((m for m in model.modules() if isinstance(m, nn.ModuleList)), key=len)


def freeze_lower_blocks(model: nn.Module, share: float) -> int:
    """Keep the embeddings and the lowest `share` of the blocks as pretrained; the number of blocks frozen."""
    blocks = transformer_blocks(model)
    frozen = round(len(blocks) * share)
    if frozen:
        first_trained = next(blocks[frozen].parameters())
        for weight in model.parameters():  # in registration order: embeddings, blocks bottom-up, norm, head
            if weight is first_trained:
                break
            weight.requires_grad_(False)  # below the first trained block: backward can stop there
    return frozen


def load_pretrained(loader, name_or_path: str | Path, what: str = "the files", **kwargs):
    """`loader.from_pretrained` (AutoTokenizer, AutoModelFor...): checked folders, fast-failing hub ids."""
    return _from(loader, name_or_path, what, **kwargs)


def base_model(settings: Settings) -> str:
    """The model to start from: a hub id or folder, or a tiny model built for this seed under the output."""
    name = settings.model_name
    if is_tiny_model(name):
        return str(tiny_model(name, settings.out / TINY_FAMILIES[name], seed=settings.seed))
    return name
