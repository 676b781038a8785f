"""Phase 5 as a command, also under torchrun or accelerate launch (one process per device, rank 0 saves).

python -m workshop_lib.train --profile smoke --output-dir DIR [--set name=value ...]
torchrun --nproc_per_node=2 -m workshop_lib.train --profile smoke --output-dir DIR
accelerate launch --num_processes=2 -m workshop_lib.train --profile smoke --output-dir DIR
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import os

from .config import PROFILES, SettingError, Settings, parse_parameter, resolve
from .training import train

SET_NAMES = [f.name for f in dataclasses.fields(Settings) if f.name not in ("profile", "output_dir")]


def split_pair(pair: str) -> tuple[str, str]:
    """Split `name=value` into its two texts."""
    name, sep, value = pair.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected name=value, got {pair!r}")
    return name, value


def parse_setting(pair: str) -> tuple[str, object]:
    """Split `name=value`; the value is read as a Python literal (3, 5e-5, None) or kept as text."""
    name, value = split_pair(pair)
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def checked_setting(pair: str) -> tuple[str, object]:
    """Check `name=value` against the declaration: a known name, a value of its type, paths from the cwd."""
    name, value = split_pair(pair)
    if name not in SET_NAMES:
        raise argparse.ArgumentTypeError(
            f"unknown setting {name!r} (--profile and --output-dir have their own options); "
            f"known: {', '.join(SET_NAMES)}"
        )
    try:
        return name, parse_parameter(name, value)
    except SettingError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def main(argv: list[str] | None = None) -> dict:
    """Resolve the settings, train, and print the final metrics as JSON (on the main process only)."""
    parser = argparse.ArgumentParser(description="Fine-tune GPT-2 on CoLA (the workshop's phase 5).")
    parser.add_argument("--profile", choices=list(PROFILES), help="default: $WORKSHOP_PROFILE, else full")
    parser.add_argument(
        "--output-dir",
        help="output folder (default: <project>/artifacts/<profile> or $WORKSHOP_OUTPUT_DIR/<profile>)",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        type=checked_setting,
        metavar="NAME=VALUE",
        help=f"override a setting, e.g. --set epochs=1 (repeatable); one of {', '.join(SET_NAMES)}",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing trained model")
    args = parser.parse_args(argv)
    try:
        settings = resolve(args.profile, output_dir=args.output_dir, **dict(args.settings))
    except SettingError as err:
        parser.error(str(err))
    metrics = train(settings, overwrite=args.overwrite)
    if int(os.environ.get("RANK", "0")) == 0:  # torchrun and accelerate set RANK in every process
        print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main()
