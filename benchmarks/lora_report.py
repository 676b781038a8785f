"""Write docs/performance-lora.md: full fine-tuning against LoRA on the stand-in, from the results files.

    python benchmarks/lora_report.py

The numbers come from benchmarks/results/lora-quick-standin.json (benchmarks/real_weights.py, with and
without --lora 8, one process per run) and lora-speed-standin.json (benchmarks/lora_speed.py).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from workshop_lib.appendix.lora import measured_table
from workshop_lib.records import atomic_write_text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
OUT = ROOT / "docs" / "performance-lora.md"


def step_ratio(speed: dict) -> str:
    """Full fine-tuning's steady seconds over LoRA's, in lora_speed.py's short timing, with its machine."""
    steady = speed["steady_seconds"]
    ratio = statistics.mean(steady["quick"]) / statistics.mean(steady["lora"])
    machine = speed["machine"]
    return (
        f"{ratio:.2f}× faster per step ({speed['steps']} steps, {speed['precision']}, {machine['cpu']}, "
        f"{machine['nproc']} cores; `{speed['command']}`)"
    )


def report() -> str:
    """The section's Markdown."""
    runs = json.loads((RESULTS / "lora-quick-standin.json").read_text())["runs"]
    speed = json.loads((RESULTS / "lora-speed-standin.json").read_text())
    return f"""## LoRA against full fine-tuning (stand-in, quick profile)

Written by `benchmarks/lora_report.py` from `benchmarks/results/lora-quick-standin.json`. Every number is the
**stand-in's** (SmolLM2-135M-Instruct), not GPT-2's; GPT-2's are not measured. The quick recipe is unchanged
for both rows, its learning rate tuned for full fine-tuning, not for LoRA (rank 8, alpha 16, peft's default
targets `q_proj` and `v_proj`, the head trained). Validation MCC of the checkpoint chosen on the selection
split; train seconds of the Trainer's loop; peak resident memory of the run's process; "to save": the model
file, or the adapters and the head (fp32). Other developers' jobs ran on the same 2 cores: the load column
says how busy it was, so compare times only within a row's load.

{measured_table(runs)}

Per step, the earlier short timing without evaluation measured LoRA {step_ratio(speed)}: backward still runs
through every block, so only the weight gradients and AdamW's work shrink.
"""


if __name__ == "__main__":
    atomic_write_text(OUT, report())
    print(f"wrote {OUT.relative_to(ROOT)}")
