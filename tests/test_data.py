"""Data loading: the embedded set, GLUE and raw forms, strict errors, the real CoLA release."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hubless import offline_run

from workshop_lib.data import EMBEDDED_DIR, DataFormatError, load_cola, load_glue_dir, read_labelled_tsv
from workshop_lib.synthetic import write

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
        assert (tmp_path / name).read_bytes() == (EMBEDDED_DIR / name).read_bytes(), name


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
REFUSED = {  # corpus file -> (line named in the error, words the error must contain)
    "missing_column.tsv": (1, "found 3 (a missing column?)"),
    "extra_tab.tsv": (1, "found 5 (a tab inside the sentence?)"),
    "header_row.tsv": (1, "looks like a header row"),
    "label_2.tsv": (3, "label '2' is not 0 (unacceptable) or 1 (acceptable)"),
    "label_yes.tsv": (3, "label 'yes'"),
    "empty_sentence.tsv": (3, "sentence column is empty"),
    "blank_line.tsv": (2, "blank line. Delete it"),
    "undecodable_bytes.tsv": (1, "not valid UTF-8. Re-save the file as UTF-8"),
    "latin1_encoded.tsv": (1, "not valid UTF-8"),
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
    line, words = REFUSED[name]
    root = glue_dir(tmp_path, train=(CORPUS / name).read_bytes())
    with pytest.raises(DataFormatError) as err:
        load_glue_dir(root)
    assert f"train.tsv, line {line}:" in str(err.value) and words in str(err.value)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_tolerable_variants_are_read_correctly(name):
    assert read_labelled_tsv(CORPUS / name) == ACCEPTED[name]


def test_empty_and_missing_files(tmp_path):
    root = glue_dir(tmp_path / "a", dev=(CORPUS / "empty_file.tsv").read_bytes())
    with pytest.raises(DataFormatError, match="dev.tsv: the file is empty"):
        load_glue_dir(root)
    root = glue_dir(tmp_path / "b")
    (root / "test.tsv").unlink()
    with pytest.raises(DataFormatError, match="test.tsv: file not found. A GLUE-form directory needs"):
        load_glue_dir(root)
    with pytest.raises(DataFormatError, match="no such directory"):
        load_cola(tmp_path / "nowhere")


def test_offline_hub_fails_fast_with_alternatives(tmp_path):
    done, seconds = offline_run("from workshop_lib.data import load_cola; load_cola('hub')", tmp_path)
    assert seconds < 10
    assert done.returncode != 0
    assert "HubUnavailableError" in done.stderr
    for hint in ["DATA_SOURCE='/path/to/cola'", "DATA_SOURCE='embedded'", "prefetch", "HF_HUB_OFFLINE=1"]:
        assert hint in done.stderr


def test_hub_check_does_not_hang(monkeypatch):
    import socket

    from workshop_lib import hub

    def hang(*args, **kwargs):
        time.sleep(30)
        raise OSError("timed out")

    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.perf_counter()
    assert hub.hub_reachable(timeout=1.0) is False
    assert time.perf_counter() - start < 3


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
