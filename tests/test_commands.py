"""`workshop COMMAND`: every user command is listed; each answers a mistake in one line, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workshop_lib.commands.main import COMMANDS, main

# (arguments, exit status, the start of the one line on stderr)
MISTAKES = [
    (["frobnicate"], 2, "workshop: error: argument COMMAND: invalid choice: 'frobnicate'"),
    (["init"], 2, "workshop init: error: the following arguments are required: folder"),
    (["init", "/proc/no/such"], 1, "workshop init: error: [Errno 2] No such file or directory"),
    (["run", "--profile", "huge"], 2, "workshop run: error: Setting PROFILE (profile) got 'huge'"),
    (["run", "-p", "EPOCH", "3"], 2, "workshop run: error: Unknown parameter 'EPOCH' (did you mean EPOCHS?)"),
    (["run", "--resume", "/"], 2, "workshop run: error: / is not a run folder that can be resumed"),
    (["compare"], 2, "workshop compare: error: the following arguments are required: runs"),
    (["compare", "/"], 1, "workshop compare: error: /: not a finished run"),
    (["train", "--profile", "huge"], 2, "workshop train: error: argument --profile: invalid choice: 'huge'"),
    (["train", "--set", "epochs=-1"], 2, "workshop train: error: argument --set: Setting EPOCHS (epochs)"),
    (["train", "--set", "epoch=1"], 2, "workshop train: error: argument --set: unknown setting 'epoch'"),
    (["train", "--profile", "smoke", "--output-dir", "/proc/no"], 1, "workshop train: error: [Errno 2]"),
    (["doctor", "--profile", "huge"], 2, "workshop doctor: error: argument --profile: Setting PROFILE"),
    (["prefetch", "--profile", "huge"], 2, "workshop prefetch: error: argument --profile: Setting PROFILE"),
    (["progress"], 2, "workshop progress: error: the following arguments are required: FOLDER"),
    (["progress", "/proc/no/such"], 1, "workshop progress: error: No learner folder /proc/no/such"),
    (["progress", "--time-limit", "0", "."], 2, "workshop progress: error: argument --time-limit: expected"),
    (["init", "--update", "/proc/no/such"], 1, "workshop init: error: No learner folder /proc/no/such"),
]


def test_every_command_has_its_mistakes_tested():
    assert {args[0] for args, _, _ in MISTAKES} >= set(COMMANDS)


def test_help_lists_every_user_command(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    for name in ("init", "run", "compare", "train", "doctor", "prefetch", "progress"):
        assert f"\n    {name} " in listed, f"`workshop --help` does not list {name}"
    assert list(COMMANDS) == ["init", "run", "compare", "train", "doctor", "prefetch", "progress"]


@pytest.mark.parametrize(("args", "status", "line"), MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES])
def test_a_mistake_is_one_line_and_a_non_zero_exit(args, status, line, capsys):
    try:
        code = main(args)
    except SystemExit as stop:  # argparse's usage errors
        code = stop.code
    err = capsys.readouterr().err
    assert code == status, err
    assert err.startswith(line), err
    assert "Traceback" not in err and not err.startswith("usage:")


def test_the_installed_command_prints_no_traceback(tmp_path):
    """Through a real process, as a learner types it: one line, status 1, the run folder named."""
    done = subprocess.run(
        [sys.executable, "-m", "workshop_lib.commands", "compare", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"workshop compare: error: {tmp_path}:")
