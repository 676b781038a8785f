"""Checks of a local model folder before transformers reads it: one clear error per way it can be broken."""

from __future__ import annotations

import json
from pathlib import Path

from .config import HUB_MODEL

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
