"""Load CoLA (or the workshop's own acceptability set) as a `datasets.DatasetDict`, strictly."""

from __future__ import annotations

import math
from pathlib import Path

from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from .hub import hub_load
from .paths import shipped
from .settings import Settings

LABEL_NAMES = ["unacceptable", "acceptable"]  # index = label id, as in GLUE
SELECTION_SHARE = 0.1  # of the training split, held out to choose checkpoints; validation only scores
HUB_DATASET, HUB_CONFIG = "nyu-mll/glue", "cola"

GLUE_FILES = {"train": "train.tsv", "validation": "dev.tsv", "test": "test.tsv"}
RAW_FILES = {
    "train": ["in_domain_train.tsv"],
    "validation": ["in_domain_dev.tsv", "out_of_domain_dev.tsv"],
}
OFFLINE_ALTERNATIVES = (
    "  - a local CoLA copy in GLUE form (train.tsv, dev.tsv, test.tsv) or raw CoLA 1.1 form: "
    "DATA_SOURCE='/path/to/cola'\n"
    "  - the workshop's own small set, fully offline: DATA_SOURCE='embedded' (or PROFILE='smoke')"
)


class DataFormatError(ValueError):
    """A data file is malformed; the message names the file, the line and the fix."""


def features(with_domain: bool = False) -> Features:
    """Return the column types of every split (the hub's glue/cola schema, plus `domain`)."""
    cols = {
        "sentence": Value("string"),
        "label": ClassLabel(names=LABEL_NAMES),
        "idx": Value("int32"),
    }
    if with_domain:
        cols["domain"] = Value("string")
    return Features(cols)


def _lines(path: Path) -> list[tuple[int, str]]:
    """Return (line number, text) pairs; strict UTF-8, BOM and CRLF tolerated, blank lines refused."""
    if not path.is_file():
        raise DataFormatError(
            f"{path}: file not found. A GLUE-form directory needs {', '.join(GLUE_FILES.values())}; "
            f"a raw CoLA 1.1 directory needs {', '.join(sum(RAW_FILES.values(), []))}."
        )
    data = path.read_bytes()
    if not data.strip():
        raise DataFormatError(f"{path}: the file is empty. Restore it from the original download.")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()  # the newline that ends the last row
    out = []
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw.removesuffix(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise DataFormatError(
                f"{path}, line {number}: bytes {raw[err.start : err.end]!r} are not valid UTF-8. "
                "Re-save the file as UTF-8."
            ) from None
        if not text.strip():
            raise DataFormatError(
                f"{path}, line {number}: blank line. Delete it; every line must be one example."
            )
        out.append((number, text))
    return out


def read_labelled_tsv(path: Path) -> list[tuple[str, int]]:
    """Read a headerless CoLA TSV (source, label, mark, sentence) into (sentence, label) rows."""
    rows = []
    for number, text in _lines(path):
        fields = text.split("\t")
        where = f"{path}, line {number}"
        if len(fields) != 4:
            hint = "a tab inside the sentence?" if len(fields) > 4 else "a missing column?"
            raise DataFormatError(
                f"{where}: expected 4 tab-separated columns (source, label, mark, sentence), "
                f"found {len(fields)} ({hint}). Fix that line."
            )
        label, sentence = fields[1].strip(), fields[3].strip()
        if label not in {"0", "1"}:
            hint = (
                " This looks like a header row; CoLA train/dev files have none: delete it."
                if number == 1 and not label.isdigit()
                else ""
            )
            raise DataFormatError(
                f"{where}: label {fields[1]!r} is not 0 (unacceptable) or 1 (acceptable).{hint}"
            )
        if not sentence:
            raise DataFormatError(f"{where}: the sentence column is empty. Fill it in or delete the line.")
        rows.append((sentence, int(label)))
    return rows


def read_test_tsv(path: Path) -> list[tuple[int, str]]:
    """Read GLUE's unlabelled test.tsv (header `index<TAB>sentence`) into (index, sentence) rows."""
    lines = _lines(path)
    if lines[0][1].split("\t") != ["index", "sentence"]:
        raise DataFormatError(f"{path}, line 1: expected the header 'index<TAB>sentence'.")
    rows = []
    for number, text in lines[1:]:
        fields = text.split("\t")
        where = f"{path}, line {number}"
        if len(fields) != 2:
            raise DataFormatError(
                f"{where}: expected 2 tab-separated columns (index, sentence), found {len(fields)}."
            )
        if not fields[0].strip().isdigit():
            raise DataFormatError(f"{where}: index {fields[0]!r} is not a whole number.")
        if not fields[1].strip():
            raise DataFormatError(f"{where}: the sentence column is empty. Fill it in or delete the line.")
        rows.append((int(fields[0]), fields[1].strip()))
    return rows


def _split(rows: list[tuple[str, int]], domains: list[str] | None = None) -> Dataset:
    """Build one labelled split."""
    cols = {
        "sentence": [s for s, _ in rows],
        "label": [label for _, label in rows],
        "idx": list(range(len(rows))),
    }
    if domains is not None:
        cols["domain"] = domains
    return Dataset.from_dict(cols, features=features(domains is not None))


def load_glue_dir(directory: str | Path) -> DatasetDict:
    """Load a directory in GLUE form: train.tsv, dev.tsv (headerless) and test.tsv (with header)."""
    directory = Path(directory)
    test = read_test_tsv(directory / GLUE_FILES["test"])
    return DatasetDict(
        train=_split(read_labelled_tsv(directory / GLUE_FILES["train"])),
        validation=_split(read_labelled_tsv(directory / GLUE_FILES["validation"])),
        test=Dataset.from_dict(
            {"sentence": [s for _, s in test], "label": [-1] * len(test), "idx": [i for i, _ in test]},
            features=features(),
        ),
    )


def load_raw_dir(directory: str | Path) -> DatasetDict:
    """Load raw CoLA 1.1; validation keeps each row's domain; the test split is empty (not public)."""
    directory = Path(directory)
    splits = {}
    for split, names in RAW_FILES.items():
        rows, domains = [], []
        for name in names:
            part = read_labelled_tsv(directory / name)
            rows += part
            domains += ["out" if name.startswith("out_of_domain") else "in"] * len(part)
        splits[split] = _split(rows, domains)
    splits["test"] = Dataset.from_dict(
        {"sentence": [], "label": [], "idx": [], "domain": []}, features=features(True)
    )
    return DatasetDict(splits)


def load_hub() -> DatasetDict:
    """Load `nyu-mll/glue` / `cola` from the hub (or its cache), failing fast when offline."""
    from datasets import load_dataset

    return hub_load(
        lambda: load_dataset(HUB_DATASET, HUB_CONFIG),
        f"the data set {HUB_DATASET} ({HUB_CONFIG})",
        OFFLINE_ALTERNATIVES,
    )


def load_cola(source: str | Path = "hub") -> DatasetDict:
    """Return CoLA-shaped data from 'hub', 'embedded', or a local GLUE-form / raw-form directory."""
    if str(source) == "hub":
        return load_hub()
    # "embedded": data/acceptability in a checkout, package data when installed
    directory = shipped("acceptability") if str(source) == "embedded" else Path(source).expanduser()
    if (directory / RAW_FILES["train"][0]).exists():
        return load_raw_dir(directory)
    if directory.is_dir():
        return load_glue_dir(directory)
    raise DataFormatError(
        f"{directory}: no such directory. DATA_SOURCE must be 'hub', 'embedded', or a directory "
        "holding CoLA in GLUE form (train.tsv, dev.tsv, test.tsv) or raw 1.1 form."
    )


def limit_splits(data: DatasetDict, limits: dict[str, int | None], seed: int = 0) -> DatasetDict:
    """Keep a seeded random sample of at most `limits[split]` rows per split (None keeps all)."""
    out = {}
    for split, ds in data.items():
        n = limits.get(split)
        out[split] = ds if n is None or n >= len(ds) else ds.shuffle(seed=seed).select(range(n))
    return DatasetDict(out)


def selection_size(sentences: int) -> int:
    """How many of `sentences` training sentences the selection split takes (rounded up, as it splits)."""
    return math.ceil(sentences * SELECTION_SHARE)


def hold_out_selection(data: DatasetDict, seed: int) -> DatasetDict:
    """Split a seeded, stratified share of `train` off as `selection`, the split that chooses checkpoints.

    Choosing on validation and reporting validation would report the luckiest of several tries; the
    validation split is scored once, by the model the selection split chose.
    """
    parts = data["train"].train_test_split(test_size=SELECTION_SHARE, stratify_by_column="label", seed=seed)
    rest = {name: split for name, split in data.items() if name != "train"}
    return DatasetDict({"train": parts["train"], "selection": parts["test"], **rest})


def load_data(settings: Settings) -> DatasetDict:
    """Load the profile's data, hold out the selection split, then apply the sample limits."""
    data = hold_out_selection(load_cola(settings.data_source), settings.seed)
    limits = {"train": settings.train_limit, "validation": settings.eval_limit}
    return limit_splits(data, limits, seed=settings.seed)
