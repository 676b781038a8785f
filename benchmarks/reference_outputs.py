"""Reference outputs: the six notebooks and two appendices executed with real pretrained weights.

The weights are the stand-in SmolLM2-135M-Instruct (NOT GPT-2: the hub is out of reach here), on the quick
profile and the real CoLA. `workshop run` executes the series, then papermill the appendices of
paths.REFERENCED_APPENDICES in the same output folder; the executed notebooks go to notebooks/reference/ with
a one-line banner cell that names the model and why it ran, and with this machine's folders replaced by
placeholders. Not part of CI (tens of minutes on a 2-core CPU); tests/test_reference_outputs.py checks that
they exist, name the stand-in and match the learner notebooks' cells. Rerun it after changing a learner
notebook's code (after an appendix's, `--appendices-only [NAME ...]`: 01-06 and their times stay); after
a prose-only edit, copy the Markdown over:

    WORKSHOP_COLA_DIR=/path/to/cola python benchmarks/reference_outputs.py
    WORKSHOP_COLA_DIR=/path/to/cola python benchmarks/reference_outputs.py --appendices-only appendix_lora
    python benchmarks/reference_outputs.py --prose-only
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import nbformat
from real_weights import LABEL, default_data, fetch_standin  # same script folder
from results_files import recipe_record, write_result
from train_speed import machine
from transformers import AutoConfig, AutoTokenizer

from workshop_lib.commands.main import main as workshop
from workshop_lib.commands.run import run_notebooks
from workshop_lib.inference import max_tokens
from workshop_lib.paths import notebook_sources, referenced_appendices
from workshop_lib.settings import PROFILES
from workshop_lib.zero_shot import start_token_id

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks" / "reference"
TIMES = ROOT / "benchmarks" / "results" / "reference-outputs.json"  # each notebook's wall time in that run
BANNER_ID = "reference-banner"
ONE_UP = " Your own notebook is one folder up."  # ends what the run wrote; what the model differs in follows
GPT2_CONTEXT = 1024  # the tokens GPT-2 reads at most: what the learner notebooks' prose assumes


@cache  # one read of the model's files for all six banners
def differences(model_dir: Path) -> str:
    """Where the stand-in's outputs differ from the prose, which was written for GPT-2; '' if nowhere."""
    config, tokenizer = AutoConfig.from_pretrained(model_dir), AutoTokenizer.from_pretrained(model_dir)
    found = []
    if tokenizer.pad_token is not None:
        found.append(f"its tokenizer has a pad token (`{tokenizer.pad_token}`), so notebook 03 pads at once")
    if max_tokens(config, tokenizer) != GPT2_CONTEXT:
        found.append(
            f"it reads up to {max_tokens(config, tokenizer):,} tokens, so notebook 03's padding exercise "
            f"pads to that, not {GPT2_CONTEXT:,} (most of that notebook's time), and notebook 06's long text "
            "is not cut"
        )
    start = tokenizer.convert_ids_to_tokens(start_token_id(tokenizer))  # notebook 01 scores after it
    if (start, tokenizer.eos_token) != ("<|endoftext|>", "<|endoftext|>"):
        found.append(
            f"notebook 01 scores each sentence after `{start}` and text ends with `{tokenizer.eos_token}` "
            "(GPT-2: `<|endoftext|>` for both)"
        )
    if config.model_type == "llama":  # LlamaForQuestionAnswering keeps its body under `transformer.`
        found.append(
            "in notebook 01's question-answering demo transformers' Llama class looks for the body under "
            "other names, so the whole network starts random there, not only the new head"
        )
    if not found:
        return ""
    return f" The prose describes GPT-2; where the stand-in differs, so do the outputs: {'; '.join(found)}."


def banner(model_dir: Path) -> nbformat.NotebookNode:
    """The first cell of every reference notebook: which model ran and why, in one line, then how it differs
    (the machine, the date and the command are in benchmarks/results/reference-outputs.json)."""
    cell = nbformat.v4.new_markdown_cell(
        f"> **Reference output, not your run:** the quick profile run by **{LABEL}**, a pretrained "
        f"decoder of GPT-2's size, because the hub was out of reach here; not GPT-2's numbers.{ONE_UP}"
        + differences(model_dir)
    )
    cell["id"] = BANNER_ID
    return cell


def scrubbed(text: str, places: dict[str, str]) -> str:
    """`text` with this machine's folders replaced by placeholders."""
    for found, placeholder in places.items():
        text = text.replace(found, placeholder)
    return text


def publish(executed: Path, target: Path, places: dict[str, str], model_dir: Path) -> None:
    """Copy one executed notebook with the banner first and the folders scrubbed from its outputs."""
    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        cell.source = scrubbed(cell.source, places)
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = scrubbed(output["text"], places)
            for kind, value in output.get("data", {}).items():
                if kind.startswith("text/") and isinstance(value, str):
                    output["data"][kind] = scrubbed(value, places)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nb.cells.insert(0, banner(model_dir))
    nbformat.write(nb, target)


def refresh_prose(source: Path, target: Path, model_dir: Path) -> int:
    """Copy the learner's Markdown into its reference, renew the banner's differences; count the changes."""
    learner, reference = nbformat.read(source, as_version=4), nbformat.read(target, as_version=4)
    prose = {cell.id: cell.source for cell in learner.cells if cell.cell_type == "markdown"}
    first, *cells = reference.cells
    shown = [cell for cell in cells if cell.cell_type == "markdown"]
    same_cells = [cell.id for cell in shown] == list(prose)
    if first.get("id") != BANNER_ID or ONE_UP not in first.source or not same_cells:
        raise SystemExit(f"{target}: not the learner notebook's Markdown cells; rerun without --prose-only")
    prose[BANNER_ID] = first.source.split(ONE_UP)[0] + ONE_UP + differences(model_dir)  # run facts kept
    changed = [cell for cell in [first, *shown] if cell.source != prose[cell.id]]
    for cell in changed:
        cell.source = prose[cell.id]
    if changed:
        nbformat.write(reference, target)
    return len(changed)


def results(metrics: Path) -> dict:
    """What the run's training measured: its time and its MCCs on validation and on the selection split."""
    training = json.loads(metrics.read_text())["metrics"]["training"]
    return {key: training[key] for key in ("train_seconds", "mcc", "selection_mcc")}


def now() -> tuple[float, str]:
    """The 1-minute load average and the time (UTC), as a run's record starts."""
    return os.getloadavg()[0], datetime.now(timezone.utc).isoformat(timespec="seconds")


def facts(begun: tuple[float, str], command: str) -> dict:
    """When a run began, its load before and after, the machine and the command."""
    load_before, started = begun
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return {"started": started, "load": load, "machine": machine(), "command": command}


def main(argv: list[str] | None = None) -> int:
    """Run the series, then the appendices, with the stand-in on the quick profile; publish them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, help="the stand-in folder (default: fetch it)")
    parser.add_argument("--data", default=default_data(), help="CoLA in GLUE form")
    parser.add_argument(
        "--prose-only",
        action="store_true",
        help="only copy the learner notebooks' Markdown and renew the banners (after a prose edit; no run)",
    )
    parser.add_argument(
        "--appendices-only",
        nargs="*",
        metavar="NAME",
        help="run and publish only the appendices, or those named (appendix_lora ...); the rest stays",
    )
    args = parser.parse_args(argv)
    alone, named = args.appendices_only is not None, args.appendices_only or []
    appendices = [path for path in referenced_appendices() if not named or path.stem in named]
    published = [*([] if alone else notebook_sources()), *appendices]
    if args.prose_only:
        model_dir = args.model_dir or fetch_standin()
        changed = sum(refresh_prose(source, OUT / source.name, model_dir) for source in published)
        print(f"{changed} Markdown cell(s) refreshed in {OUT}")
        return 0
    if args.data is None:
        parser.error("no CoLA folder found: pass --data /path/to/cola/glue or set WORKSHOP_COLA_DIR")
    model_dir = args.model_dir or fetch_standin()
    only = ["--appendices-only", *named] if alone else []
    command = shlex.join(["python", "benchmarks/reference_outputs.py", *only])
    with tempfile.TemporaryDirectory(prefix="reference-") as tmp:
        run_dir = Path(tmp) / "run"
        params = {"PROFILE": "quick", "MODEL_NAME": str(model_dir), "DATA_SOURCE": str(args.data)}
        params["OUTPUT_DIR"] = str(run_dir / "artifacts")  # as `workshop run` sets it: the appendices read it
        times = json.loads(TIMES.read_text()) if alone else {}
        if not alone:
            begun = now()
            pairs = [part for name in ("MODEL_NAME", "DATA_SOURCE") for part in ("-p", name, params[name])]
            code = workshop(["run", "--profile", "quick", *pairs, "--run-dir", str(run_dir)])
            if code not in (0, 2):  # 2: a baseline moved; quick has none, so only a failure stops here
                return code
            times = {
                "what": "wall seconds of each notebook (kernel start included) and the results of the run "
                "that made the reference outputs: quick profile, the stand-in (SmolLM2-135M-Instruct, not "
                "GPT-2), real CoLA; under `appendices`, each appendix's run after it (or alone)",
                "notebooks": json.loads((run_dir / "run.json").read_text())["finished"],
                "results": results(run_dir / "metrics.json"),
                "profile": "quick",
                "recipe": recipe_record(PROFILES["quick"]),
                **facts(begun, command),
            }
        run_dir.mkdir(exist_ok=True)
        for path in appendices:  # each with its own record: a later --appendices-only NAME replaces one
            begun = now()
            seconds = run_notebooks(run_dir, params, [path])[path.stem]
            times.setdefault("appendices", {})[path.stem] = {"seconds": seconds, **facts(begun, command)}
        write_result(TIMES, times)
        places = {str(run_dir): "<run folder>", str(model_dir): "<stand-in folder>", str(args.data): "<CoLA>"}
        places[str(ROOT)] = "<project>"  # library warnings name the .venv's files
        OUT.mkdir(exist_ok=True)
        for source in published:
            publish(run_dir / source.name, OUT / source.name, places, Path(model_dir))
    print(f"Wrote {len(published)} reference notebooks into {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
