"""Phase 5 as a command, also under torchrun or accelerate launch (one process per device, rank 0 saves).

workshop train --profile smoke --output-dir DIR [--set name=value ...]
torchrun --nproc_per_node=2 -m workshop_lib.commands train --profile smoke --output-dir DIR
accelerate launch --num_processes=2 -m workshop_lib.commands train --profile smoke --output-dir DIR
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os

from ..declare import SettingError
from ..settings import DEFAULT_PROFILE, PROFILES, Settings, parse_parameter, resolve
from .arguments import Parser, guarded

SET_NAMES = [f.name for f in dataclasses.fields(Settings) if f.name not in ("profile", "output_dir")]


def split_pair(pair: str) -> tuple[str, str]:
    """Split `name=value` into its two texts."""
    name, sep, value = pair.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected name=value, got {pair!r}")
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


def set_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """The repeatable `--set name=value` option, each value checked against its declaration."""
    parser.add_argument(
        "--set", dest="settings", action="append", default=[], type=checked_setting, metavar="NAME=VALUE",
        help=help,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `workshop train`."""
    parser.add_argument(
        "--profile", choices=list(PROFILES), help=f"default: $WORKSHOP_PROFILE, else {DEFAULT_PROFILE}"
    )
    parser.add_argument(
        "--output-dir",
        help="output folder (default: <project>/artifacts/<profile> or $WORKSHOP_OUTPUT_DIR/<profile>)",
    )
    names = ", ".join(SET_NAMES)
    set_argument(parser, f"override a setting, e.g. --set epochs=1 (repeatable); one of {names}")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing trained model")


def main(argv: list[str] | None = None) -> int:
    """`workshop train` (also under torchrun / accelerate launch): train, print the final metrics as JSON."""
    parser = Parser(prog="workshop train", description="Fine-tune the model on CoLA: the workshop's phase 5.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return guarded(parser.prog, lambda: run(args, parser))


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Resolve the settings, train, print the metrics on the main process only."""
    try:
        settings = resolve(args.profile, output_dir=args.output_dir, **dict(args.settings))
    except SettingError as err:
        parser.error(str(err))
    from ..training import train  # torch and transformers: only once the arguments are right

    metrics = train(settings, overwrite=args.overwrite)
    if int(os.environ.get("RANK", "0")) == 0:  # torchrun and accelerate set RANK in every process
        print(json.dumps(metrics, indent=2))
    return 0
