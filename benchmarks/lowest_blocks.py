"""Copy a model folder keeping only its lowest N transformer blocks: a shallower, cheaper network to time.

A lever measured for slow CPUs (BENCHMARKS.md@afa5ab8, "The quick profile"): the blocks above N are
dropped, the classification head then reads the output of block N. The copy is safetensors, like the original.

    python benchmarks/lowest_blocks.py ~/.cache/workshop-real-models/smollm2-135m 10 /tmp/lowest-10-blocks
"""

from __future__ import annotations

import argparse
from pathlib import Path

from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer


def main(argv: list[str] | None = None) -> None:
    """Write `source`'s lowest `blocks` blocks, with its embeddings, final norm and tokenizer, to `target`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a model folder (config.json, safetensors, tokenizer)")
    parser.add_argument("blocks", type=int, help="how many of the lowest blocks to keep")
    parser.add_argument("target", type=Path, help="the new folder (must not exist)")
    args = parser.parse_args(argv)
    if args.target.exists():
        parser.error(f"{args.target} exists; name a new folder")
    total = AutoConfig.from_pretrained(args.source).num_hidden_layers
    if not 0 < args.blocks < total:
        parser.error(f"{args.source} has {total} blocks; keep between 1 and {total - 1}")
    model = AutoModelForCausalLM.from_pretrained(
        args.source, num_hidden_layers=args.blocks, use_safetensors=True
    )
    model.save_pretrained(args.target)  # safetensors
    AutoTokenizer.from_pretrained(args.source).save_pretrained(args.target)
    print(f"{args.target}: the lowest {args.blocks} of {total} blocks")


if __name__ == "__main__":
    main()
