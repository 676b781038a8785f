"""Tools around the notebooks: cleaner, solutions generator, hub errors, prefetch, the model card."""

from __future__ import annotations

import copy
import hashlib
import http.server
import io
import json
import shutil
import socket
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
from cards import card_parts, results
from huggingface_hub import errors as hub_errors
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from test_hub import python, serving

import workshop_lib.dev.solutions as solutions
from workshop_lib.data import load_cola
from workshop_lib.dev.nbclean import CHECK_MARK, clean
from workshop_lib.dev.nbclean import main as nbclean_main
from workshop_lib.hub import PROBE_PATH, is_network_error
from workshop_lib.paths import PROJECT_ROOT
from workshop_lib.settings import resolve
from workshop_lib.training import train

NOTEBOOKS = PROJECT_ROOT / "notebooks"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}

# --- The notebook cleaner ---


def dirty(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A notebook as a JupyterLab or papermill run leaves it: outputs, counts, run metadata everywhere."""
    nb = copy.deepcopy(nb)
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.metadata["widgets"] = {"state": {}}
    for count, cell in enumerate(nb.cells, start=40):
        cell.metadata["papermill"] = {"status": "completed"}
        cell.metadata["execution"] = {"iopub.status.busy": "2024-01-01"}
        if cell.cell_type == "code":
            cell.execution_count = count
            cell.outputs = [
                new_output("stream", name="stdout", text=f"ran {count}\n"),
                new_output("execute_result", data={"text/plain": str(count)}, execution_count=count),
            ]
    return nb


def test_clean_strips_all_but_marked_cells_which_take_the_executed_outputs():
    cells = [
        new_markdown_cell("# Title"),
        new_code_cell("x = 1\nx"),
        new_code_cell(f"{CHECK_MARK}\nprint('checked')"),
        new_code_cell("print('not checked')"),
    ]
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number}"
    cells[1].metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNEL})
    executed = dirty(nb)
    stale = dirty(nb)
    stale.cells[2].outputs = [new_output("stream", name="stdout", text="stale\n")]

    clean(stale, executed)
    assert "papermill" not in stale.metadata and "widgets" not in stale.metadata
    assert stale.metadata["kernelspec"] == KERNEL
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in stale.cells)
    assert stale.cells[1].metadata["tags"] == ["parameters"]  # other metadata stays
    for index in (1, 3):
        assert stale.cells[index].outputs == [] and stale.cells[index].execution_count is None
    checked = stale.cells[2]
    assert [o.get("text") for o in checked.outputs] == ["ran 42\n", None]  # the executed copy's outputs
    assert checked.outputs[1]["data"] == {"text/plain": "42"} and checked.outputs[1].execution_count is None
    assert checked.execution_count == 3  # its place in the notebook: reruns give identical files

    again = copy.deepcopy(stale)
    clean(again, executed)
    assert again == stale


def test_cleaner_execute_refreshes_the_checked_cell_of_a_notebook(tmp_path, capsys):
    parameters = new_code_cell("PROFILE = None\nOUTPUT_DIR = None")
    parameters.metadata["tags"] = ["parameters"]
    cells = [parameters, new_code_cell("print('unchecked')"), new_code_cell(f"{CHECK_MARK}\nprint(PROFILE)")]
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNEL})
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(dirty(nb), path)

    nbclean_main([str(path), "--execute"])
    assert capsys.readouterr().out == f"cleaned {path}\n"
    cleaned = nbformat.read(path, as_version=4)
    assert [c.source for c in cleaned.cells] == [c.source for c in cells]  # no injected-parameters cell
    assert "papermill" not in cleaned.metadata
    assert [c.outputs for c in cleaned.cells[:2]] == [[], []]
    [output] = cleaned.cells[2].outputs
    assert (output.output_type, output.text) == ("stream", "smoke\n")  # run in the smoke profile
    assert cleaned.cells[2].execution_count == 3


def test_cleaner_without_execute_strips_a_copy_of_a_notebook(tmp_path):
    original = NOTEBOOKS / "02_data_exploration.ipynb"
    copy_path = tmp_path / original.name
    nbformat.write(dirty(nbformat.read(original, as_version=4)), copy_path)
    nbclean_main([str(copy_path)])
    clean_nb, stored = nbformat.read(copy_path, as_version=4), nbformat.read(original, as_version=4)
    assert clean_nb.metadata == stored.metadata
    unchecked = [
        (a, b) for a, b in zip(clean_nb.cells, stored.cells, strict=True) if CHECK_MARK not in b.source
    ]
    assert all(a == b for a, b in unchecked)  # cleaned back to the committed form


def test_cleaner_without_execute_keeps_the_checked_cells_stored_outputs(tmp_path):
    original = NOTEBOOKS / "02_data_exploration.ipynb"
    copy_path = tmp_path / original.name
    shutil.copyfile(original, copy_path)
    nbclean_main([str(copy_path)])
    checked = [c for c in nbformat.read(copy_path, as_version=4).cells if CHECK_MARK in c.source]
    assert checked and all(c.outputs for c in checked)  # what nbval compares a rerun against


# --- The solutions generator ---


@pytest.fixture
def project_copy(tmp_path, monkeypatch) -> Path:
    """The learner notebooks copied into tmp_path/notebooks; the generator reads and writes there only."""
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks", ignore=shutil.ignore_patterns("solutions", "*.md"))
    monkeypatch.setattr(solutions, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(solutions, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(solutions, "SOLUTIONS", tmp_path / "notebooks" / "solutions")
    return tmp_path


def check_exit(capsys) -> tuple[int, list[str]]:
    """Run `--check`; return its exit status and the lines it printed."""
    with pytest.raises(SystemExit) as done:
        solutions.main(["--check"])
    return done.value.code, capsys.readouterr().out.splitlines()


def test_solutions_check_fails_when_stale_and_passes_after_regenerating(project_copy, capsys):
    committed = {p: p.read_bytes() for p in (NOTEBOOKS / "solutions").glob("*.ipynb")}
    names = sorted(path.name for path in solutions.expected())  # lessons and appendices
    hint = "(run python -m workshop_lib.dev.solutions)"

    code, lines = check_exit(capsys)  # no solutions folder yet: every one is missing
    assert code == 1 and lines == [f"stale: notebooks/solutions/{name} {hint}" for name in names]
    solutions.main([])
    assert capsys.readouterr().out.splitlines() == [f"wrote notebooks/solutions/{name}" for name in names]
    assert check_exit(capsys) == (0, [])

    learner = project_copy / "notebooks" / names[2]
    nb = nbformat.read(learner, as_version=4)
    nb.cells[0].source += "\n\nA sentence added after the solutions were generated."
    nbformat.write(nb, learner)
    assert check_exit(capsys) == (1, [f"stale: notebooks/solutions/{names[2]} {hint}"])
    solutions.main([])
    capsys.readouterr()
    assert check_exit(capsys) == (0, [])
    solved = nbformat.read(project_copy / "notebooks" / "solutions" / names[2], as_version=4)
    assert "A sentence added after the solutions were generated." in solved.cells[0].source

    edited = project_copy / "notebooks" / "solutions" / names[0]
    edited.write_text(edited.read_text().replace("Right", "Rihgt", 1))  # a hand edit is stale too
    assert check_exit(capsys) == (1, [f"stale: notebooks/solutions/{names[0]} {hint}"])
    assert {p: p.read_bytes() for p in (NOTEBOOKS / "solutions").glob("*.ipynb")} == committed


# --- hub.is_network_error: no connection (and not cached) vs everything else ---


def raised(error: BaseException, cause: BaseException | None = None, during: BaseException | None = None):
    """`error` as Python leaves it when raised `from cause`, or while handling `during`."""
    try:
        if during is not None:
            try:
                raise during
            except BaseException:
                raise error  # noqa: B904 (the implicit context is the point)
        raise error from cause
    except BaseException as caught:
        return caught


def http_error(kind: str, status: int):
    """A huggingface_hub HTTP error (RepositoryNotFoundError, ...) with its response."""
    import httpx2

    request = httpx2.Request("GET", "https://huggingface.co/api/models/nobody/nothing")
    return getattr(hub_errors, kind)(
        f"{status} Client Error", response=httpx2.Response(status, request=request)
    )


def refused_connection() -> BaseException:
    """The error the hub libraries' HTTP client raises when nothing listens on the port."""
    import httpx2

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free now, and nothing listens on it
    try:
        httpx2.get(f"http://127.0.0.1:{port}/", timeout=2)
    except Exception as error:
        return error
    raise AssertionError("something answered")


def datasets_not_cached(tmp_path) -> BaseException:
    """datasets' own error for a hub data set that is not in its cache."""
    from datasets.load import CachedDatasetModuleFactory

    try:
        CachedDatasetModuleFactory("nyu-mll/glue", cache_dir=str(tmp_path)).get_module()
    except FileNotFoundError as error:
        return error
    raise AssertionError("found a cache")


def corrupt_weights(tmp_path) -> BaseException:
    """What loading a damaged safetensors file raises."""
    from safetensors.torch import load_file

    (tmp_path / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header")
    try:
        load_file(tmp_path / "model.safetensors")
    except Exception as error:
        return error
    raise AssertionError("loaded")


NETWORK = {
    "ConnectionError": lambda tmp: ConnectionError("no route"),
    "ConnectionRefusedError": lambda tmp: ConnectionRefusedError(111, "Connection refused"),
    "TimeoutError": lambda tmp: TimeoutError("timed out"),
    "OfflineModeIsEnabled": lambda tmp: hub_errors.OfflineModeIsEnabled("the hub was not reachable"),
    "LocalEntryNotFoundError": lambda tmp: hub_errors.LocalEntryNotFoundError("not in the cache"),
    "datasets: not cached": datasets_not_cached,
    "httpx2 refused (real)": lambda tmp: refused_connection(),
    "wrapped (from)": lambda tmp: raised(OSError("Can't load the config"), cause=TimeoutError()),
    "wrapped (during)": lambda tmp: raised(ValueError("load failed"), during=ConnectionResetError()),
    "wrapped twice": lambda tmp: raised(
        RuntimeError("a"), cause=raised(OSError("b"), cause=ConnectionError())
    ),
}
NOT_NETWORK = {
    "RepositoryNotFoundError (404)": lambda tmp: http_error("RepositoryNotFoundError", 404),
    "RemoteEntryNotFoundError (404)": lambda tmp: http_error("RemoteEntryNotFoundError", 404),
    "corrupt config.json": lambda tmp: raised(
        ValueError("bad config"), cause=json.JSONDecodeError("x", "{", 1)
    ),
    "corrupt safetensors (real)": corrupt_weights,
    "plain FileNotFoundError": lambda tmp: FileNotFoundError(2, "No such file or directory", "config.json"),
    "ValueError from KeyError": lambda tmp: raised(ValueError("no label"), cause=KeyError("label")),
}


@pytest.mark.parametrize("make", NETWORK.values(), ids=NETWORK.keys())
def test_these_errors_mean_no_connection(make, tmp_path):
    assert is_network_error(make(tmp_path)) is True


@pytest.mark.parametrize("make", NOT_NETWORK.values(), ids=NOT_NETWORK.keys())
def test_these_errors_are_not_network_errors(make, tmp_path):
    assert is_network_error(make(tmp_path)) is False


# --- prefetch through a fake hub ---

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class ServedHub(http.server.BaseHTTPRequestHandler):
    """Enough of the hub's API for snapshot_download and load_dataset: repo info, file trees, files."""

    protocol_version = "HTTP/1.1"

    def send(self, status: int, body: bytes, headers: dict[str, str], head: bool) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def answer(self, head: bool) -> None:
        self.server.requests.append(f"{self.command} {self.path}")
        path, as_json = unquote(urlparse(self.path).path), {"Content-Type": "application/json"}
        for (kind, repo), files in self.server.repos.items():
            api = f"/api/{kind}s/{repo}"
            if path in (api, f"{api}/revision/main", f"{api}/revision/{COMMIT}"):
                info = {"id": repo, "sha": COMMIT, "siblings": [{"rfilename": name} for name in files]}
                return self.send(200, json.dumps(info).encode(), as_json, head)
            if path == f"{api}/tree/{COMMIT}" or path.startswith(f"{api}/tree/{COMMIT}/"):
                folder = path.removeprefix(f"{api}/tree/{COMMIT}").strip("/")
                tree = [
                    {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                    for name, data in files.items()
                    if name.startswith(folder)
                ]
                folders = sorted({name.split("/")[0] for name in files if "/" in name}) if not folder else []
                tree += [{"type": "directory", "path": name, "oid": "0" * 40, "size": 0} for name in folders]
                return self.send(200, json.dumps(tree).encode(), as_json, head)
            for revision in ("main", COMMIT):
                prefix = f"{'' if kind == 'model' else '/datasets'}/{repo}/resolve/{revision}/"
                if path.startswith(prefix) and path.removeprefix(prefix) in files:
                    data = files[path.removeprefix(prefix)]
                    etag = f'"{hashlib.sha256(data).hexdigest()}"'
                    return self.send(200, data, {"X-Repo-Commit": COMMIT, "ETag": etag}, head)
        self.send(404, b'{"error": "Entry not found"}', {**as_json, "X-Error-Code": "EntryNotFound"}, head)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self.answer(head=True)

    def log_message(self, *args) -> None:
        """Quiet."""


def glue_cola_files() -> dict[str, bytes]:
    """nyu-mll/glue's CoLA part as the hub lays it out: a README with the configs, one parquet per split."""
    files = {}
    for split, data in load_cola("embedded").items():
        buffer = io.BytesIO()
        data.to_parquet(buffer)
        files[f"cola/{split}-00000-of-00001.parquet"] = buffer.getvalue()
    splits = "".join(f"  - split: {s}\n    path: cola/{s}-*\n" for s in ("train", "validation", "test"))
    files["README.md"] = f"---\nconfigs:\n- config_name: cola\n  data_files:\n{splits}---\n# GLUE\n".encode()
    return files


@pytest.mark.extended  # a fresh Python importing torch, transformers and datasets: 10-20 s on 2 busy cores
def test_prefetch_fills_the_cache_from_a_hub(tmp_path, tiny_dir):
    gpt2 = {p.name: p.read_bytes() for p in tiny_dir.iterdir() if p.is_file()}
    pickle = {"pytorch_model.bin": b"a pickle that prefetch must never fetch"}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ServedHub)
    server.requests = []
    server.repos = {
        ("model", "openai-community/gpt2"): gpt2 | pickle,
        ("dataset", "nyu-mll/glue"): glue_cola_files(),
    }
    code = (
        "from workshop_lib.commands.main import main\n"
        "raise SystemExit(main(['prefetch', '--profile', 'quick']))"
    )
    with serving(server):
        done = python(code, tmp_path, HF_ENDPOINT=f"http://127.0.0.1:{server.server_address[1]}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"GET {PROBE_PATH}" in server.requests  # the hub check went to this hub
    snapshot = tmp_path / "hub" / "models--openai-community--gpt2" / "snapshots" / COMMIT
    assert f"model  openai-community/gpt2: cached in {snapshot}\n" in done.stdout
    assert {p.name: p.read_bytes() for p in snapshot.iterdir()} == gpt2  # all but the pickle
    assert not any("pytorch_model.bin" in r for r in server.requests)
    assert "data   nyu-mll/glue/cola: train 1600, validation 200, test 200\n" in done.stdout
    parquet = tmp_path / "hub" / "datasets--nyu-mll--glue" / "snapshots" / COMMIT / "cola"
    assert sorted(p.name for p in parquet.iterdir()) == [
        f"{s}-00000-of-00001.parquet" for s in ("test", "train", "validation")
    ]
    assert done.stdout.splitlines()[-1].endswith("Later runs work offline with HF_HUB_OFFLINE=1.")


# --- The model card of a model trained from a local folder ---


def test_card_of_a_model_from_a_local_folder_names_the_folder_not_a_hub_id(tmp_path, tiny_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_dir, tmp_path / "openai-community" / "gpt2")  # named like the hub's GPT-2
    shutil.copytree(PROJECT_ROOT / "data" / "acceptability", tmp_path / "cola")
    settings = resolve(
        "quick",
        model_name="openai-community/gpt2",  # relative: the folder here, not the hub id
        data_source="cola",
        epochs=1,
        train_limit=32,
        eval_limit=16,
        precision="fp32",
        output_dir=str(tmp_path / "out"),
    )
    folder = tmp_path / "openai-community" / "gpt2"
    assert settings.model_name == str(folder)
    metrics = train(settings, disable_tqdm=True)
    metadata, prose = card_parts((tmp_path / "out" / "model" / "README.md").read_text(encoding="utf-8"))
    assert "base_model" not in metadata  # a local folder is not the hub's openai-community/gpt2
    assert metadata["datasets"] == ["nyu-mll/glue"] and metadata["model-index"][0]["name"] == (
        "gpt2-cola-workshop-quick"
    )
    assert results(metadata) == {
        "matthews_correlation": metrics["mcc"],
        "accuracy": metrics["accuracy"],
        "f1": metrics["f1"],
    }
    assert f"It is `{folder}` with a sequence-classification head" in prose
    assert "builds itself" not in prose and "smoke-profile" not in prose
    assert (
        f"CoLA files from the folder `{tmp_path / 'cola'}`; sentences used:\ntrain 32, selection 160, "
        "validation 16."
        in prose
    )
    assert "training sentences: at most 32; validation sentences: at most 16" in prose
