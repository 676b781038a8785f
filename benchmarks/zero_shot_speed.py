"""Time notebook 01's zero-shot scoring of CoLA's validation split with GPT-2 small's architecture.

The model is `GPT2Config()` (GPT-2 small, 124M parameters) with random weights: speed does not depend on the
weights. Real CoLA (GLUE form) and GPT-2's tokenizer come from WORKSHOP_COLA_DIR / WORKSHOP_GPT2_TOKENIZER.

    WORKSHOP_COLA_DIR=/path/to/cola WORKSHOP_GPT2_TOKENIZER=/path/to/gpt2-tokenizer \
        python benchmarks/zero_shot_speed.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from workshop_lib.data import load_cola
from workshop_lib.modeling import load_tokenizer
from workshop_lib.zero_shot import sentence_scores


def main() -> None:
    """Score the validation split once and print the seconds and the machine's load around it."""
    cola, tokenizer_dir = Path(os.environ["WORKSHOP_COLA_DIR"]), os.environ["WORKSHOP_GPT2_TOKENIZER"]
    tokenizer = load_tokenizer(tokenizer_dir)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config()).eval()
    sentences = load_cola(cola / "glue" if (cola / "glue").is_dir() else cola)["validation"]["sentence"]
    millions = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"{millions:.0f} M parameters, {torch.get_num_threads()} threads")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    start = time.perf_counter()
    sentence_scores(model, tokenizer, sentences, progress=False)
    print(f"{len(sentences)} validation sentences scored in {time.perf_counter() - start:.1f} s")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
