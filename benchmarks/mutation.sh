#!/usr/bin/env bash
# Mutation testing (mutmut 3) of the modules that carry the rules; the last table: git show afa5ab8:benchmarks/results/mutation.md.
#   benchmarks/mutation.sh            # copy the checkout to $MUTATION_DIR, mutate, test, print the table
# Needs mutmut in the project's environment (.venv/bin/python -m pip install mutmut); 6-25 min on 2 cores.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${MUTATION_DIR:-/tmp/workshop-mutation}
BIN=${VENV_BIN:-$ROOT/.venv/bin}
# Mutants of these functions are run: every function of the rule modules and of the baseline check, and the
# parameter checks of commands/run.py (its other functions run notebooks: not mutated here).
PATTERNS=(
    "workshop_lib.settings.*" "workshop_lib.declare.*" "workshop_lib.data.*" "workshop_lib.metrics.*"
    "workshop_lib.exercises.check.*" "workshop_lib.commands.baseline.*"
)
for f in checked_parameters kept_notebooks; do
    PATTERNS+=("workshop_lib.commands.run.x_${f}__mutmut_*")
done

# A throw-away copy (the working tree as it is, uncommitted changes included): mutmut writes mutants/ there.
rm -rf "$WORK" && mkdir -p "$WORK"
tar -C "$ROOT" --exclude=./.venv --exclude=./.git --exclude=./artifacts --exclude=./runs --exclude=./mutants \
    --exclude=__pycache__ -cf - . | tar -C "$WORK" -xf -
cd "$WORK"
git init -q  # refuse_tracked() guards output folders only in a git checkout
cat "$ROOT/benchmarks/mutation.toml" >> pyproject.toml
touch tests/test_baseline_check.py  # named in the test selection (an empty file in checkouts older than it)

# mutants/ comes first on sys.path (before the editable install's finder); keep the tests on the CPU.
# OMP_NUM_THREADS=1: workers are forked after torch has run; with OpenMP threads they spin (false timeouts).
OMP_NUM_THREADS=1 CUDA_VISIBLE_DEVICES="" "$BIN/mutmut" run --max-children "${MAX_CHILDREN:-2}" "${PATTERNS[@]}" \
    > mutmut-run.log 2>&1 || echo "mutmut exited with $? (see $WORK/mutmut-run.log)"
"$BIN/python" "$ROOT/benchmarks/mutation_table.py" mutants
echo "Survivors: cd $WORK && $BIN/mutmut results; $BIN/mutmut show NAME"
