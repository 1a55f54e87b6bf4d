#!/usr/bin/env bash
# Run every molecule scenario under extensions/molecule against one AWS emulator.
# Molecule's summary can read "Successful" after an idempotence failure: trust exit codes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
MOLECULE_PYTHON="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"
export MOLECULE_PYTHON
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
PATH="$(dirname "$MOLECULE_PYTHON"):$PATH"
export PATH
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  for dir in extensions/molecule/*/; do
    [ -f "$dir/molecule.yml" ] && scenarios+=("$(basename "$dir")")
  done
fi
# shellcheck disable=SC2016  # the inner script expands its own variables
exec "$PY" tools/emulator.py run -- bash -c '
  failed=()
  for s in "$@"; do
    start=$(date +%s)
    if (cd extensions && molecule test -s "$s"); then
      echo "molecule scenario $s passed in $(( $(date +%s) - start ))s"
    else
      echo "molecule scenario $s FAILED"; failed+=("$s")
    fi
  done
  echo "molecule: $(( $# - ${#failed[@]} )) passed, ${#failed[@]} failed ${failed[*]:-}"
  [ ${#failed[@]} -eq 0 ]' molecule "${scenarios[@]}"
