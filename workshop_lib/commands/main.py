"""The `workshop` command: everything a learner or a teacher runs, one subcommand each (`workshop --help`).

Maintainer tools keep their own entries: `python -m workshop_lib.dev.parameters`, `workshop_lib.dev.nbclean`,
`workshop_lib.dev.solutions`, `workshop_lib.dev.synthetic` and `workshop_lib.tiny`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..declare import SettingError
from ..settings import DEFAULT_PROFILE, profile_name
from . import compare, progress, train
from . import run as runner
from .arguments import Parser, guarded


def init_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `workshop init`."""
    parser.add_argument("folder", type=Path, help="where to put them (made if missing; never overwritten)")
    parser.add_argument(
        "--update",
        action="store_true",
        help="bring corrected notebooks into a folder made by init, keeping the learner's exercise cells "
        "(conflicts reported, notebooks backed up first)",
    )


def init_folder(folder: Path, update: bool = False) -> int:
    """Copy the notebooks into `folder` and say how to start; refuse (exit 1) rather than overwrite."""
    from ..paths import copy_notebooks
    from .update import update_folder

    if update:
        report = update_folder(folder)
        print("\n".join(report) if report else f"{folder}: already up to date")
        return 0
    copied = copy_notebooks(folder)
    print(f"Copied {len(copied)} notebooks into {folder}:")
    print("\n".join(f"  {path}" for path in copied))
    print(
        f"Open {folder} in JupyterLab (for example `cd {folder} && jupyter lab`) and start with "
        "01_goal.ipynb. The notebooks write models and data into its artifacts/ folder."
    )
    return 0


def model_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `workshop doctor` and `workshop prefetch`: whose model and data."""
    parser.add_argument("--model", help="hub id, local folder or tiny model (default: the profile's)")
    parser.add_argument(
        "--profile",
        type=checked_profile,
        help=f"whose model and data (default: $WORKSHOP_PROFILE, else {DEFAULT_PROFILE})",
    )


def checked_profile(name: str) -> str:
    """A profile name from the command line, checked before any work starts."""
    try:
        return profile_name(name)
    except SettingError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def doctor(args: argparse.Namespace) -> int:
    """Check this machine for the workshop; 1 when a problem was found."""
    from .classroom import doctor as check

    return 1 if check(args.model, args.profile) else 0


def prefetch(args: argparse.Namespace) -> int:
    """Download the run's model and data into the cache."""
    from .classroom import prefetch as fetch

    return fetch(args.model, args.profile)


# name: (one-line help, add the arguments, run the parsed arguments with their parser)
COMMANDS = {
    "init": (
        "copy the six notebooks (with exercises) into a folder of yours",
        init_arguments,
        lambda args, parser: init_folder(args.folder, args.update),
    ),
    "run": ("run notebooks 01-06 headless, then check the baseline", runner.add_arguments, runner.run),
    "compare": ("compare finished runs side by side", compare.add_arguments, lambda a, p: compare.run(a)),
    "train": ("train (phase 5) without notebooks, also under torchrun", train.add_arguments, train.run),
    "doctor": (
        "check Python, libraries, device, disk, memory, the run's model and the hub",
        model_arguments,
        lambda args, parser: doctor(args),
    ),
    "prefetch": (
        "download the run's model and CoLA into the cache for offline use",
        model_arguments,
        lambda args, parser: prefetch(args),
    ),
    "progress": (
        "check every learner's coding exercises: a table of who is stuck where",
        progress.add_arguments,
        lambda args, parser: progress.run(args),
    ),
}


def parser() -> Parser:
    """`workshop` and its subcommands."""
    top = Parser(prog="workshop", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for name, (summary, add_arguments, run) in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        add_arguments(command)
        command.set_defaults(run=run, parser=command)
    return top


def main(argv: list[str] | None = None) -> int:
    """Parse, run the subcommand; its expected failures are one message and a non-zero exit."""
    args = parser().parse_args(argv)
    return guarded(args.parser.prog, lambda: args.run(args, args.parser))
