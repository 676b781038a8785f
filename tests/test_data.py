"""Data loading: the embedded set, GLUE and raw forms, strict errors, the real CoLA release."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    "content, line, words",
    [
        ("gj04\t1\tThe dog barks.\n", 1, "expected 4"),  # missing column
        ("gj04\t1\t\tThe dog\tbarks.\n", 1, "tab inside the sentence"),  # extra tab
        ("source\tlabel\tmark\tsentence\n" + GOOD, 1, "header row"),
        (GOOD + "gj04\t2\t\tA dog.\n", 3, "label '2'"),
        (GOOD + "gj04\tyes\t\tA dog.\n", 3, "label 'yes'"),
        (GOOD + "gj04\t1\t\t  \n", 3, "sentence column is empty"),
        ("gj04\t1\t\tThe dog barks.\n\n" + GOOD, 2, "blank line"),
        (b"gj04\t1\t\tThe d\xffg barks.\n", 1, "not valid UTF-8"),
    ],
)
def test_malformed_rows_name_file_and_line(tmp_path, content, line, words):
    root = glue_dir(tmp_path, train=content)
    with pytest.raises(DataFormatError) as err:
        load_glue_dir(root)
    message = str(err.value)
    assert f"train.tsv, line {line}:" in message and words in message


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(DataFormatError, match="dev.tsv: the file is empty"):
        load_glue_dir(glue_dir(tmp_path / "a", dev=""))
    root = glue_dir(tmp_path / "b")
    (root / "test.tsv").unlink()
    with pytest.raises(DataFormatError, match="test.tsv: file not found"):
        load_glue_dir(root)
    with pytest.raises(DataFormatError, match="no such directory"):
        load_cola(tmp_path / "nowhere")


def test_bom_crlf_and_duplicates_are_read_correctly(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_bytes(b"\xef\xbb\xbfgj04\t1\t\tThe dog barks.\r\ngj04\t1\t\tThe dog barks.\r\n")
    assert read_labelled_tsv(path) == [("The dog barks.", 1), ("The dog barks.", 1)]


def test_offline_hub_fails_fast_with_alternatives(tmp_path):
    code = "from workshop_lib.data import load_cola; load_cola('hub')"
    env = {"PATH": "/usr/bin:/bin", "HF_HOME": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:9"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - start < 10
    assert done.returncode != 0
    assert "HubUnavailableError" in done.stderr
    for hint in ["DATA_SOURCE='/path/to/cola'", "DATA_SOURCE='embedded'", "prefetch", "HF_HUB_OFFLINE=1"]:
        assert hint in done.stderr


def test_hub_check_does_not_hang(monkeypatch):
    import socket

    from workshop_lib import hub

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: time.sleep(30))
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
