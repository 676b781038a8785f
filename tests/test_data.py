"""Data loading: the embedded set, GLUE and raw forms, strict errors, the real CoLA release."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from datasets import Dataset, DatasetDict
from hubless import offline_run

from workshop_lib.data import (
    DataFormatError,
    features,
    limit_splits,
    load_cola,
    load_glue_dir,
    read_labelled_tsv,
)
from workshop_lib.dev.synthetic import write
from workshop_lib.paths import shipped

GOOD = "gj04\t1\t\tThe dog barks.\ngj04\t0\t*\tDog the barks.\n"
TEST = "index\tsentence\n0\tA cat sleeps.\n"


def glue_dir(
    root: Path, train: str | bytes = GOOD, dev: str | bytes = GOOD, test: str | bytes = TEST
) -> Path:
    """Write a small GLUE-form folder."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in {"train.tsv": train, "dev.tsv": dev, "test.tsv": test}.items():
        (root / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


def test_embedded_set_shape_and_schema():
    data = load_cola("embedded")
    assert {k: len(v) for k, v in data.items()} == {"train": 1600, "validation": 200, "test": 200}
    assert data["train"].features["label"].names == ["unacceptable", "acceptable"]
    assert set(data["test"]["label"]) == {-1}
    share = sum(data["train"]["label"]) / len(data["train"])
    assert 0.65 < share < 0.75  # CoLA-like imbalance
    sentences = [s for split in data.values() for s in split["sentence"]]
    assert len(set(sentences)) == len(sentences)  # no leakage between splits


def test_embedded_set_is_reproducible(tmp_path):
    write(tmp_path)
    for name in ["train.tsv", "dev.tsv", "test.tsv", "test_labels.tsv"]:
        assert (tmp_path / name).read_bytes() == (shipped("acceptability") / name).read_bytes(), name


def test_glue_form(tmp_path):
    data = load_cola(glue_dir(tmp_path))
    assert data["train"][1] == {"sentence": "Dog the barks.", "label": 0, "idx": 1}
    assert data["test"][0] == {"sentence": "A cat sleeps.", "label": -1, "idx": 0}


def test_raw_form_keeps_domain(tmp_path):
    (tmp_path / "in_domain_train.tsv").write_text(GOOD)
    (tmp_path / "in_domain_dev.tsv").write_text(GOOD)
    (tmp_path / "out_of_domain_dev.tsv").write_text("x\t1\t\tHi there.")  # no final newline, as released
    data = load_cola(tmp_path)
    assert list(data["validation"]["domain"]) == ["in", "in", "out"]
    assert len(data["test"]) == 0


CORPUS = Path(__file__).parent / "corpus"
REFUSED = {  # corpus file -> the error, after the file's path: the line, what is wrong, the fix
    "missing_column.tsv": "line 1: expected 4 tab-separated columns (source, label, mark, sentence), found 3 "
    "(a missing column?). Fix that line.",
    "extra_tab.tsv": "line 1: expected 4 tab-separated columns (source, label, mark, sentence), found 5 "
    "(a tab inside the sentence?). Fix that line.",
    "header_row.tsv": "line 1: label 'label' is not 0 (unacceptable) or 1 (acceptable). This looks like a "
    "header row; CoLA train/dev files have none: delete it.",
    "label_2.tsv": "line 3: label '2' is not 0 (unacceptable) or 1 (acceptable).",
    "label_yes.tsv": "line 3: label 'yes' is not 0 (unacceptable) or 1 (acceptable).",  # line 3: no header
    "empty_sentence.tsv": "line 3: the sentence column is empty. Fill it in or delete the line.",
    "blank_line.tsv": "line 2: blank line. Delete it; every line must be one example.",
    "undecodable_bytes.tsv": "line 1: bytes b'\\xff' are not valid UTF-8. Re-save the file as UTF-8.",
    "latin1_encoded.tsv": "line 1: bytes b'\\xe9' are not valid UTF-8. Re-save the file as UTF-8.",
}
ACCEPTED = {  # corpus file -> the rows it must give
    "utf8_bom.tsv": [("The dog barks.", 1), ("Dog the barks.", 0)],
    "crlf_line_ends.tsv": [("The dog barks.", 1), ("Dog the barks.", 0)],
    "no_final_newline.tsv": [("The dog barks.", 1), ("Dog the barks.", 0)],
    # Duplicates are real data (CoLA has some): kept, and counted in notebook 2.
    "duplicated_rows.tsv": [("The dog barks.", 1), ("Dog the barks.", 0), ("The dog barks.", 1)],
}


def test_corpus_is_fully_covered():
    assert {p.name for p in CORPUS.glob("*.tsv")} == set(REFUSED) | set(ACCEPTED) | {"empty_file.tsv"}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_malformed_rows_name_file_line_and_fix(tmp_path, name):
    root = glue_dir(tmp_path, train=(CORPUS / name).read_bytes())
    with pytest.raises(DataFormatError) as err:
        load_glue_dir(root)
    assert str(err.value) == f"{root / 'train.tsv'}, {REFUSED[name]}"


def test_a_number_on_line_one_is_a_bad_label_not_a_header(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text("gj04\t2\t\tThe dog barks.\n")
    with pytest.raises(DataFormatError) as err:
        read_labelled_tsv(path)
    assert str(err.value) == f"{path}, line 1: label '2' is not 0 (unacceptable) or 1 (acceptable)."


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_tolerable_variants_are_read_correctly(name):
    assert read_labelled_tsv(CORPUS / name) == ACCEPTED[name]


def test_empty_and_missing_files(tmp_path):
    root = glue_dir(tmp_path / "a", dev=(CORPUS / "empty_file.tsv").read_bytes())
    with pytest.raises(DataFormatError) as err:
        load_glue_dir(root)
    assert str(err.value) == f"{root / 'dev.tsv'}: the file is empty. Restore it from the original download."
    root = glue_dir(tmp_path / "b")
    (root / "test.tsv").unlink()
    with pytest.raises(DataFormatError) as err:
        load_glue_dir(root)
    assert str(err.value) == (
        f"{root / 'test.tsv'}: file not found. A GLUE-form directory needs train.tsv, dev.tsv, test.tsv; "
        "a raw CoLA 1.1 directory needs in_domain_train.tsv, in_domain_dev.tsv, out_of_domain_dev.tsv."
    )
    with pytest.raises(DataFormatError) as err:
        load_cola(tmp_path / "nowhere")
    assert str(err.value) == (
        f"{tmp_path / 'nowhere'}: no such directory. DATA_SOURCE must be 'hub', 'embedded', or a directory "
        "holding CoLA in GLUE form (train.tsv, dev.tsv, test.tsv) or raw 1.1 form."
    )


def test_test_file_with_bom_and_crlf_is_read(tmp_path):
    """Saved by a Windows editor: a byte-order mark before the header and CRLF line ends."""
    root = glue_dir(tmp_path, test=b"\xef\xbb\xbfindex\tsentence\r\n0\tA cat sleeps.\r\n7\tDogs bark. \r\n")
    data = load_glue_dir(root)
    assert data["test"][:] == {"sentence": ["A cat sleeps.", "Dogs bark."], "label": [-1, -1], "idx": [0, 7]}


TEST_REFUSED = {  # test.tsv content -> the error, after the file's path
    "index sentence\n0\tA cat sleeps.\n": "line 1: expected the header 'index<TAB>sentence'.",
    "sentence\tindex\n": "line 1: expected the header 'index<TAB>sentence'.",
    "index\tsentence\n0\tA cat.\n1\tA dog.\tbarks\n": "line 3: expected 2 tab-separated columns (index, "
    "sentence), found 3.",
    "index\tsentence\n0\n": "line 2: expected 2 tab-separated columns (index, sentence), found 1.",
    "index\tsentence\nfirst\tA cat sleeps.\n": "line 2: index 'first' is not a whole number.",
    "index\tsentence\n-1\tA cat sleeps.\n": "line 2: index '-1' is not a whole number.",
    "index\tsentence\n0\tA cat.\n1\t \n": "line 3: the sentence column is empty. Fill it in or delete the "
    "line.",
}


@pytest.mark.parametrize("text", sorted(TEST_REFUSED))
def test_malformed_test_file_names_line_and_fix(tmp_path, text):
    root = glue_dir(tmp_path, test=text)
    with pytest.raises(DataFormatError) as err:
        load_glue_dir(root)
    assert str(err.value) == f"{root / 'test.tsv'}, {TEST_REFUSED[text]}"


def test_every_split_has_the_same_schema(tmp_path):
    """The unlabelled test split too: label is the same ClassLabel (-1 = no label), so splits combine."""
    glue = load_cola(glue_dir(tmp_path / "glue"))
    assert glue["test"].features == glue["train"].features == glue["validation"].features == features()
    assert glue["train"].features["label"].names == ["unacceptable", "acceptable"]
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("in_domain_train.tsv", "in_domain_dev.tsv", "out_of_domain_dev.tsv"):
        (raw / name).write_text(GOOD)
    data = load_cola(raw)
    assert data["test"].features == data["train"].features == data["validation"].features == features(True)
    assert list(features(True)) == ["sentence", "label", "idx", "domain"]


def test_hub_source_asks_the_hub_for_glue_cola(monkeypatch):
    """Only "hub" goes to the hub (mocked here: no network), for nyu-mll/glue's cola, with offline advice."""
    import datasets

    from workshop_lib import data as data_module

    asked = []

    def hub_load(load, what, alternatives):
        asked.append((what, alternatives))
        return load()

    monkeypatch.setattr(data_module, "hub_load", hub_load)
    monkeypatch.setattr(datasets, "load_dataset", lambda *args: ("loaded", args))
    assert load_cola("hub") == ("loaded", ("nyu-mll/glue", "cola"))
    assert load_cola() == ("loaded", ("nyu-mll/glue", "cola"))  # the hub is the default
    [(what, alternatives)] = set(asked)
    assert what == "the data set nyu-mll/glue (cola)"
    assert "DATA_SOURCE='/path/to/cola'" in alternatives and "DATA_SOURCE='embedded'" in alternatives
    assert len(load_cola("embedded")["train"]) == 1600 and len(asked) == 2  # a keyword, never the hub


def rows(n: int) -> DatasetDict:
    """Splits of n rows whose sentences are their numbers."""
    split = Dataset.from_dict({"sentence": [str(i) for i in range(n)], "label": [i % 2 for i in range(n)]})
    return DatasetDict(train=split, validation=split)


def test_limits_keep_a_seeded_sample_per_split():
    data = rows(50)
    limited = limit_splits(data, {"train": 10, "validation": None})
    assert len(limited["train"]) == 10 and len(limited["validation"]) == 50
    sample = limited["train"]["sentence"]
    assert len(set(sample)) == 10 and sample != [str(i) for i in range(10)]  # a random sample, not the head
    assert limit_splits(data, {"train": 10}, seed=0)["train"]["sentence"] == sample  # seed 0 by default
    assert limit_splits(data, {"train": 10})["train"]["sentence"] == sample  # same seed, same sample
    assert limit_splits(data, {"train": 10}, seed=1)["train"]["sentence"] != sample
    assert limit_splits(data, {})["train"]["sentence"] == data["train"]["sentence"]  # no limit named: all


@pytest.mark.parametrize("limit", [50, 51, 1000, None])
def test_a_limit_of_at_least_the_split_keeps_it_as_it_is(limit):
    data = rows(50)
    assert (
        limit_splits(data, {"train": limit})["train"]["sentence"] == data["train"]["sentence"]
    )  # unshuffled


def test_offline_hub_fails_fast_with_alternatives(tmp_path):
    done, seconds = offline_run("from workshop_lib.data import load_cola; load_cola('hub')", tmp_path)
    assert seconds < 10
    assert done.returncode != 0
    assert "HubUnavailableError" in done.stderr
    for hint in ["DATA_SOURCE='/path/to/cola'", "DATA_SOURCE='embedded'", "prefetch", "HF_HUB_OFFLINE=1"]:
        assert hint in done.stderr


def test_hub_check_does_not_hang(monkeypatch):
    """A connection that hangs (name resolution ignores timeouts) costs the probe's bound: "unreachable"."""
    import socket

    import huggingface_hub

    from workshop_lib import hub

    monkeypatch.setattr(hub, "_reachable", {})  # forget any earlier probe of this session (restored after)
    client = type(huggingface_hub.get_session())()  # a plain client, whatever an earlier test switched on
    monkeypatch.setattr(huggingface_hub, "get_session", lambda: client)
    connects = []

    def hang(*args, **kwargs):
        connects.append(args[0])
        time.sleep(30)
        raise OSError("timed out")

    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.perf_counter()
    assert hub.hub_reachable(timeout=1.0) is False
    waited = time.perf_counter() - start
    assert len(connects) == 1, "the probe never tried to connect"
    assert 1.0 <= waited < 3.0  # it waited for the timeout (plus the thread's 1 s grace), not 30 s
    start = time.perf_counter()
    assert hub.hub_reachable(timeout=1.0) is False  # remembered: asked once per process and endpoint
    assert time.perf_counter() - start < 0.5 and len(connects) == 1
    client.close()


@pytest.mark.shared
def test_real_glue_cola(cola_dir):
    data = load_cola(cola_dir / "glue")
    assert [len(data[s]) for s in ("train", "validation", "test")] == [8551, 1043, 1063]
    labels = data["train"]["label"]
    assert (sum(labels), len(labels) - sum(labels)) == (6023, 2528)
    assert data["train"][0]["sentence"] == (
        "Our friends won't buy this analysis, let alone the next one we propose."
    )


@pytest.mark.shared
def test_real_raw_cola(cola_dir):
    data = load_cola(cola_dir / "raw")
    assert len(data["train"]) == 8551
    domains = list(data["validation"]["domain"])
    assert (domains.count("in"), domains.count("out")) == (527, 516)
