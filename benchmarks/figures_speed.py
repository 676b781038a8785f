"""Figures computed from the speed, memory and set-up results files."""

from __future__ import annotations

from numbers_format import fixed, gib, gib_gb, num, pct, per_seed, ratio, secs, secs_min, signed_pct, span
from results_files import cpu_name, load, result


def cola_figures() -> dict[str, str]:
    """CoLA's sizes, shares, token lengths and padding (cola_stats.py)."""
    cola = result("cola-stats")
    tokens, waste = cola["train_tokens"], cola["padding_wasted_share"]
    glue_share = cola["glue_validation_acceptable"] / cola["validation_sentences"]
    return {
        "cola.train": num(cola["train_sentences"]),
        "cola.validation": num(cola["validation_sentences"]),
        "cola.in_domain": num(cola["validation_by_domain"]["in"]),
        "cola.out_of_domain": num(cola["validation_by_domain"]["out"]),
        "cola.test": num(cola["test_sentences"]),
        "cola.validation_acceptable": f"{glue_share:.2f}",  # what answering "acceptable" scores on GLUE's
        "cola.validation_acceptable_pct": pct(glue_share),
        "cola.validation_acceptable_count": num(cola["glue_validation_acceptable"]),
        "cola.train_acceptable": pct(cola["train_acceptable_share"]),
        "cola.mean_tokens": f"{tokens['mean']:.1f}",
        "cola.p95_tokens": num(int(tokens["p95"])),
        "cola.max_tokens": num(tokens["max"]),
        "cola.pad_1024": pct(waste["pad to 1024"], 1),
        "cola.pad_1024_whole": pct(waste["pad to 1024"]),
        "cola.pad_per_batch": pct(waste["pad per batch"], 1),
        "cola.pad_sorted": pct(waste["pad per length-sorted batch"], 1),
        "cola.padding_batch": num(cola["padding_batch_size"]),
        "cola.map_row_by_row": span(cola["map_seconds"]["row_by_row"], fixed(1), "s"),
        "cola.map_batched": span(cola["map_seconds"]["batched"], fixed(1), "s"),
        "cola.map_load": span(cola["map_load"], fixed(0)),
        "cola.date": cola["started_utc"][:10],
    }


def speed_figures() -> dict[str, str]:
    """train_speed.py's 50-step legs: fp32 against bf16 and pad_to_multiple_of=8, and torch.compile."""
    speed, compiled = result("train-speed-bf16-pad8"), result("train-speed-compile")
    fp32, bf16, pad8 = speed["b"], speed["b_bf16=True"], speed["b_pad_to_multiple_of=8"]
    real, padded, sentences = fp32["epoch_real_tokens"], fp32["epoch_padded_tokens"], fp32["train_sentences"]
    faster = bf16["samples_per_second"] / fp32["samples_per_second"]
    with_compile = compiled["b_torch_compile=True"]
    return {
        "epoch.real_tokens": num(real),
        "epoch.real_tokens_3": num(3 * real),
        "epoch.padded_tokens": num(padded),
        "epoch.padding": pct(1 - real / padded),
        "epoch.mean_tokens": f"{real / sentences:.1f}",
        "epoch.pad_1024_tokens": num(sentences * 1024),
        "epoch.pad_1024_ratio": ratio(sentences * 1024 / real, 0, "×"),
        "bf16.speedup": ratio(faster),
        "bf16.samples": num(bf16["samples_per_second"], 1),
        "fp32.samples": num(fp32["samples_per_second"], 1),
        "bf16.evaluation": num(bf16["evaluation_seconds"], 1),
        "fp32.evaluation": f"{fp32['evaluation_seconds']:.1f} s",
        "bf16.peak_50": num(bf16["peak_rss_gib"], 2),
        "fp32.peak_50": gib(fp32["peak_rss_gib"]),
        "pad8.samples": num(pad8["samples_per_second"], 1),
        "pad8.tokens": num(pad8["mean_padded_length"], 1),
        "fp32.tokens": num(fp32["mean_padded_length"], 1),
        "fp32.step": f"{fp32['seconds_per_step']:.2f} s",
        "fp32.epochs_3": f"{speed['summary']['b']['3_epochs_minutes_extrapolated']:.1f} min",
        "variants.load": span([load(leg["load"]) for leg in (fp32, bf16, pad8)], fixed(1)),
        "compile.samples": num(with_compile["samples_per_second"], 1),
        "compile.base_samples": num(compiled["b"]["samples_per_second"], 1),
        "compile.step": num(with_compile["seconds_per_step"], 2),
        "compile.base_step": f"{compiled['b']['seconds_per_step']:.2f} s",
        "compile.run": num(compiled["summary"]["b_torch_compile=True"]["run_minutes_extrapolated"], 1),
        "compile.base_run": f"{compiled['summary']['b']['run_minutes_extrapolated']:.1f} min",
    }


def full_run_figures() -> dict[str, str]:
    """full_run.py's whole runs through workshop_lib.training.train; train_speed.py's predictions of them."""
    runs = {
        "before": result("full-run-before"),  # fp32, 3 epochs
        "after": result("full-run-after"),  # bf16, heap returned every 5 steps (the code now)
        "no_trim": result("full-run-after-no-trim"),
        "trim20": result("full-run-after-trim20"),
        "two": result("full-run-2-epochs"),  # the full profile now
    }
    f = {}
    for name, run in runs.items():
        levels = [part["rss_gib"] for part in run["drift"]]  # resident memory between steps
        f |= {
            f"run.{name}.train": secs_min(run["train_seconds"]),
            f"run.{name}.train_s": secs(run["train_seconds"]),
            f"run.{name}.all": secs(run["train_and_save_seconds"]),
            f"run.{name}.samples": num(run["samples_per_second"], 1),
            f"run.{name}.peak": gib_gb(run["peak_rss_gib"]),
            f"run.{name}.peak_gib": gib(run["peak_rss_gib"]),
            f"run.{name}.mcc_accuracy": per_seed([run["validation"]["mcc"], run["validation"]["accuracy"]]),
            f"run.{name}.started": f"{run['started_utc'][:16]} UTC",
            f"run.{name}.date": run["started_utc"][:10],
            f"run.{name}.steps_s": secs(run["step_seconds_total"]),
            f"run.{name}.steps_vs_no_trim": signed_pct(
                run["step_seconds_total"] / runs["no_trim"]["step_seconds_total"] - 1
            ),
            f"run.{name}.levels": span(levels, fixed(2), "GiB"),
            f"run.{name}.levels_from_to": f"{levels[0]:.2f} to {levels[-1]:.2f} GiB",
            f"run.{name}.evaluation": span(run["evaluation_seconds"], fixed(1), "s"),
        }
    before, after = runs["before"], runs["after"]
    evaluations, saves = sum(before["evaluation_seconds"]), sum(before["save_seconds"])
    other = before["train_seconds"] - before["step_seconds_total"] - evaluations - saves
    sample = before["sample_prediction"]
    fit, drift = before["whole_run_fit"], before["drift"]
    predicted_fp32 = result("train-speed-bf16-pad8")["b"]["extrapolated_run_seconds"]
    predicted_bf16 = result("train-speed-compile")["b"]["extrapolated_run_seconds"]
    return f | {
        "run.before.steps": num(before["steps"]),
        "run.before.step_seconds": num(before["step_seconds_total"], 1),
        "run.before.evaluations": " + ".join(num(s, 1) for s in before["evaluation_seconds"]),
        "run.before.saves": " + ".join(num(s, 1) for s in before["save_seconds"]),
        "run.before.saves_span": span(before["save_seconds"], fixed(1), "s"),
        "run.before.share_steps": pct(before["time_share"]["training_steps"], 1),
        "run.before.share_evaluations": pct(before["time_share"]["evaluations"], 1),
        "run.before.share_saves": pct(before["time_share"]["checkpoint_saves"], 1),
        "run.before.share_other": pct(before["time_share"]["other (setup, best-model reload)"], 2),
        "run.before.other": num(other, 1),
        "run.before.final_extra": f"{before['train_and_save_seconds'] - before['train_seconds']:.1f} s",
        "run.before.drift_step": span([p["seconds_per_step"] for p in drift], fixed(2), "s"),
        "run.before.drift_token": span([p["ms_per_padded_token"] for p in drift], fixed(2), "ms"),
        "run.before.fit": f"{fit['seconds_per_step']:.3f} s + {fit['ms_per_padded_token']:.2f} ms",
        "run.before.residual": f"±{max(abs(p['residual_vs_whole_fit']) for p in drift):.2f} s",
        "run.before.epochs": span([e["seconds"] for e in before["epochs"]], fixed(0), "s"),
        "run.before.padded_tokens": num(before["padded_tokens"]),
        "run.before.real_tokens": num(before["real_tokens"]),
        "run.before.padding": pct(before["padding_share"], 1),
        "run.before.predicted": f"{sample['predicted_step_seconds']:,.1f} s",
        "run.before.measured_steps": f"{before['step_seconds_total']:,.1f} s",
        "run.before.prediction_error": signed_pct(
            sample["predicted_step_seconds"] / before["step_seconds_total"] - 1
        ),
        "run.before.not_steps": secs(evaluations + saves),
        "run.before.not_steps_share": pct((evaluations + saves) / before["train_seconds"], 1),
        "run.after.above_levels": f"{after['peak_rss_gib'] - max(p['rss_gib'] for p in after['drift']):.1f}"
        " GiB",
        "run.speedup": ratio(before["train_seconds"] / after["train_seconds"]),
        "run.load_starts": span([load(r["load_start"]) for r in (before, after)], fixed(1)),
        "run.predicted_fp32": secs(predicted_fp32),
        "run.predicted_fp32_error": signed_pct(predicted_fp32 / before["train_seconds"] - 1),
        "run.predicted_bf16": secs(predicted_bf16),
        "run.predicted_bf16_error": signed_pct(predicted_bf16 / after["train_seconds"] - 1),
    }



def site_figures() -> dict[str, str]:
    """site-build.json: the course website built from scratch (benchmarks/site_build.py)."""
    found = result("site-build")
    return {
        "site_build.seconds": span(found["seconds"], fixed(0), "s"),
        "site_build.cpu": cpu_name(found["machine"]),
        "site_build.load": span([load(reading) for reading in found["load"]], fixed(1)),
        "site_build.command": found["command"],
    }


def setup_figures() -> dict[str, str]:
    """setup-time.json: a fresh clone's first `./workshop.sh` with uv (empty, filled cache) and pip."""
    found = result("setup-time")
    best = {k: min(v) for k, v in found["seconds"].items()}
    return {
        "setup.uv": f"{best['uv, empty cache']:.0f} s",
        "setup.uv_warm": f"{best['uv, cache filled']:.0f} s",
        "setup.pip": f"{best['pip']:.0f} s",
        "setup.cpu": cpu_name(found["machine"]),
        "setup.command": found["command"],
    }
