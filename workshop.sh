#!/usr/bin/env bash
# Set up the workshop in ./.venv (first time: minutes; afterwards: seconds), then hand over:
#   ./workshop.sh COMMAND ...        any word but test and lab: `workshop COMMAND` (see ./workshop.sh --help)
#   ./workshop.sh test [--all] [PYTEST ARGS]                            ruff + the default tier (--all: CI's)
#   ./workshop.sh lab                                                   Jupyter Lab on notebooks/
#   ./workshop.sh site                                                  the course website into build/site/
# Paths given to a command count from the folder it was typed in.
set -euo pipefail
CALLER_DIR=$PWD  # `run` resolves relative paths (-p DATA_SOURCE data/...) from where the command was typed
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ -z "${OMP_WAIT_POLICY+set}" ]; then  # workshop_lib's default (BENCHMARKS.md@afa5ab8, finding 1): a short spin, then sleep
    export OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
fi
VENV=${WORKSHOP_VENV:-.venv}  # another folder keeps a second environment apart (benchmarks/drift_canary.py)

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || { echo "Python 3.10 or newer is needed (found $("$PYTHON" --version 2>&1))." >&2; exit 1; }
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --quiet --disable-pip-version-check)
PIP_CONFIG=("$VENV/bin/python" -m pip --disable-pip-version-check config)  # not --quiet: it hides the values

# Which versions: those the workshop was tested with (constraints.txt, made by `uv pip compile` for Linux
# x86-64, Python 3.11.5 or newer, with torch $TESTED_TORCH) where they install, the newest versions
# pyproject.toml allows elsewhere (macOS, ARM, Python 3.10); WORKSHOP_VERSIONS=tested|newest chooses.
TESTED_TORCH=2.13.0
tested_here() {
    [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] \
        && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))'
}
if tested_here; then VERSIONS=${WORKSHOP_VERSIONS:-tested}; else VERSIONS=${WORKSHOP_VERSIONS:-newest}; fi
case "$VERSIONS" in
    tested) CONSTRAINTS=(--constraint constraints.txt) ;;
    newest) CONSTRAINTS=() ;;
    *) echo "WORKSHOP_VERSIONS must be tested or newest, not '$VERSIONS'." >&2; exit 2 ;;
esac

# Which torch to install: $WORKSHOP_TORCH if set; else the CPU build when pip's local wheel folder holds
# one (as on the CI machines: no multi-GB CUDA download; pinned with its +cpu label, so that no installer
# takes the index's build of the same version); else the normal build for this platform.
torch_requirement() {
    if [ -n "${WORKSHOP_TORCH:-}" ]; then echo "$WORKSHOP_TORCH"; return; fi
    local dir wheel
    for dir in ${PIP_FIND_LINKS:-} $("${PIP_CONFIG[@]}" get global.find-links 2>/dev/null || true); do
        for wheel in "$dir"/torch-*+cpu-*.whl; do
            if [ -e "$wheel" ]; then
                wheel=${wheel##*/torch-}
                echo "torch==${wheel%%-*}"
                return
            fi
        done
    done
    if [ "$VERSIONS" = tested ]; then echo "torch==$TESTED_TORCH"; else echo "torch"; fi
}

# The installer: uv (Astral's fast installer, from PyPI into .venv unless on PATH) where it can be had, else
# pip, and pip whenever uv fails; WORKSHOP_INSTALLER=pip skips uv. uv reads neither pip's config files nor
# its PIP_* variables, so their indexes, wheel folders, constraints and certificate are passed on.
case ${WORKSHOP_INSTALLER:=uv} in
    uv | pip) ;;
    *) echo "WORKSHOP_INSTALLER must be uv or pip, not '$WORKSHOP_INSTALLER'." >&2; exit 2 ;;
esac
IFS= read -r -d '' UV_FROM_PIP <<'PY' || true
"""uv options from the text of `pip config list` (argv[1]), one per line; pip's cert as SSL_CERT_FILE=..."""
import ast
import sys

RANK = {":env:": 0, "install": 1, "global": 2}  # pip's precedence: PIP_* variables, [install], [global]
LISTS = {"find-links": "--find-links", "extra-index-url": "--extra-index-url", "constraint": "--constraint",
         "trusted-host": "--allow-insecure-host"}
found = {}
for line in sys.argv[1].splitlines():  # section.name='value', the value as Python writes a str
    key, _, text = line.partition("=")
    section, _, name = key.rpartition(".")
    if section in RANK and RANK[section] < found.get(name, (len(RANK),))[0]:
        found[name] = (RANK[section], ast.literal_eval(text))
for name, (_, value) in found.items():
    if name in LISTS:
        for item in value.split():
            print(LISTS[name], item, sep="\n")
    elif name == "index-url":
        print("--index-url", value.strip(), sep="\n")
    elif name == "no-index" and value.strip().lower() in ("y", "yes", "t", "true", "on", "1"):
        print("--no-index")
    elif name == "cert":
        print(f"SSL_CERT_FILE={value.strip()}")
PY
UV=() UV_OPTIONS=()
find_uv() {
    local config options line
    [ "$WORKSHOP_INSTALLER" = uv ] || return 0
    config=$("${PIP_CONFIG[@]}" list 2>/dev/null) || return 0
    options=$("$VENV/bin/python" -c "$UV_FROM_PIP" "$config") || return 0
    if [ -x "$VENV/bin/uv" ]; then UV=("$VENV/bin/uv")
    elif command -v uv >/dev/null; then UV=("$(command -v uv)")
    else
        echo "Fetching uv, a fast installer, into $VENV ..."
        { "${PIP[@]}" install "uv>=0.5" && [ -x "$VENV/bin/uv" ]; } || return 0
        UV=("$VENV/bin/uv")
    fi
    while IFS= read -r line; do
        case $line in
            SSL_CERT_FILE=*) UV=(env "$line" "${UV[@]}") ;;
            ?*) UV_OPTIONS+=("$line") ;;
        esac
    done <<<"$options"
}

install() {  # install ARGS...: pip install's arguments, given to uv first where there is one
    if [ ${#UV[@]} -gt 0 ]; then
        "${UV[@]}" pip install --quiet --python "$VENV/bin/python" --index-strategy unsafe-best-match \
            --compile-bytecode ${UV_OPTIONS[@]+"${UV_OPTIONS[@]}"} "$@" && return
        echo "uv could not install that; trying pip ..." >&2
    fi
    "${PIP[@]}" install "$@"
}

stamp="$VENV/.installed-$(cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)-$VERSIONS"
if [ ! -e "$stamp" ]; then
    echo "Installing the workshop into $VENV ($VERSIONS versions) ..."
    find_uv
    "$VENV/bin/python" -c 'import torch' 2>/dev/null || install "$(torch_requirement)"
    install -e ".[test]" ${CONSTRAINTS[@]+"${CONSTRAINTS[@]}"} || {  # bash 3.2: no empty "${a[@]}"
        echo "Installing failed. If the tested versions (constraints.txt: Linux x86-64, Python 3.11) do not" \
            "install here, WORKSHOP_VERSIONS=newest takes the newest versions pyproject.toml allows." >&2
        exit 1
    }
    rm -f "$VENV"/.installed-*
    touch "$stamp"
fi

command=${1:-run}
shift || true
case "$command" in
    test)
        "$VENV/bin/ruff" check workshop_lib tests notebooks benchmarks
        exec "$VENV/bin/pytest" "$@" ;;
    lab) exec "$VENV/bin/jupyter" lab notebooks "$@" ;;
    site) exec "$VENV/bin/python" -m workshop_lib.dev.site "$@" ;;
    *)  # every other word is `workshop`'s: it lists its commands and refuses unknown ones itself
        python="$PWD/$VENV/bin/python"
        cd "$CALLER_DIR" && exec "$python" -m workshop_lib.commands "$command" "$@" ;;
esac
