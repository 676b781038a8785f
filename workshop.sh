#!/usr/bin/env bash
# Set up the workshop in ./.venv (first time: about a minute; afterwards: seconds), then hand over:
#   ./workshop.sh run | compare | train | init | doctor | prefetch ...   the `workshop` command (see --help)
#   ./workshop.sh test [--all] [PYTEST ARGS]                            ruff + the default tier (--all: CI's)
#   ./workshop.sh lab                                                   Jupyter Lab on notebooks/
# Paths given to a command count from the folder it was typed in.
set -euo pipefail
CALLER_DIR=$PWD  # `run` resolves relative paths (-p DATA_SOURCE data/...) from where the command was typed
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}  # see BENCHMARKS.md: spinning threads stall busy laptops
VENV=.venv

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || { echo "Python 3.10 or newer is needed (found $("$PYTHON" --version 2>&1))." >&2; exit 1; }
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --quiet --disable-pip-version-check)

# Which torch to install: $WORKSHOP_TORCH if set; else the CPU build when pip's local wheel folder holds
# one (as on the CI machines: no multi-GB CUDA download); else the normal build for this platform.
torch_requirement() {
    if [ -n "${WORKSHOP_TORCH:-}" ]; then echo "$WORKSHOP_TORCH"; return; fi
    local dir wheel
    for dir in ${PIP_FIND_LINKS:-} $("${PIP[@]}" config get global.find-links 2>/dev/null || true); do
        for wheel in "$dir"/torch-*+cpu-*.whl; do
            if [ -e "$wheel" ]; then
                wheel=${wheel##*/torch-}
                echo "torch==${wheel%%+cpu*}"
                return
            fi
        done
    done
    echo "torch"
}

stamp="$VENV/.installed-$(cat pyproject.toml | cksum | cut -d' ' -f1)"
if [ ! -e "$stamp" ]; then
    echo "Installing the workshop into $VENV ..."
    "$VENV/bin/python" -c 'import torch' 2>/dev/null || "${PIP[@]}" install "$(torch_requirement)"
    "${PIP[@]}" install -e ".[test]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
fi

command=${1:-run}
shift || true
case "$command" in
    run | compare | train | init | doctor | prefetch)
        python="$PWD/$VENV/bin/python"
        cd "$CALLER_DIR" && exec "$python" -m workshop_lib.commands "$command" "$@" ;;
    test)
        "$VENV/bin/ruff" check workshop_lib tests notebooks benchmarks
        exec "$VENV/bin/pytest" "$@" ;;
    lab) exec "$VENV/bin/jupyter" lab notebooks "$@" ;;
    *) echo "unknown command '$command': use run, compare, train, init, doctor, prefetch, test or lab" >&2; exit 2 ;;
esac
