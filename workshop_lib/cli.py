"""The `workshop` command: run, doctor, prefetch, build-tiny-gpt2, make-data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .hub import HubUnavailableError


def main(argv: list[str] | None = None) -> int:
    """Dispatch a subcommand; hub failures print their advice instead of a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:
        from .runner import main as run

        return run(argv[1:])
    parser = argparse.ArgumentParser(prog="workshop", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run notebooks 01-06 headless (see `workshop run --help`)")
    health = sub.add_parser(
        "doctor", help="check Python, libraries, device, disk, memory, the run's model and hub"
    )
    fetch = sub.add_parser(
        "prefetch", help="download the run's model and CoLA into the cache for offline use"
    )
    for command in (health, fetch):
        command.add_argument("--model", help="hub id, local folder or tiny model (default: the profile's)")
        command.add_argument("--profile", help="whose model and data (default: $WORKSHOP_PROFILE, else full)")
    tiny = sub.add_parser("build-tiny-gpt2", help="save the tiny random GPT-2 used offline")
    tiny.add_argument("out_dir", type=Path)
    tiny.add_argument("--tokenizer", type=Path, help="folder with GPT-2's tokenizer files")
    data = sub.add_parser("make-data", help="regenerate the embedded acceptability set")
    data.add_argument("out_dir", type=Path, nargs="?", default=Path("data/acceptability"))
    args = parser.parse_args(argv)
    try:
        if args.command == "doctor":
            from .classroom import doctor

            return 1 if doctor(args.model, args.profile) else 0
        if args.command == "prefetch":
            from .classroom import prefetch

            return prefetch(args.model, args.profile)
        elif args.command == "build-tiny-gpt2":
            from .modeling import build_tiny_gpt2

            print(build_tiny_gpt2(args.out_dir, args.tokenizer))
        elif args.command == "make-data":
            from .synthetic import write

            write(args.out_dir)
    except HubUnavailableError as err:
        print(err, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
