"""The commands' shared parsing: a mistake is one line naming it and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (and where to read more) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def guarded(prog: str, command: Callable[[], int]) -> int:
    """Run a command: the workshop's own errors and OS errors (a missing or unwritable folder) print one
    message and return 1 (3: the hub is unreachable); anything else is a bug and keeps its traceback."""
    from ..hub import HubUnavailableError

    try:
        return command()
    except Exception as err:
        if not (isinstance(err, OSError) or type(err).__module__.startswith("workshop_lib.")):
            raise
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 3 if isinstance(err, HubUnavailableError) else 1
