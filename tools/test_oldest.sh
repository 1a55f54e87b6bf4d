#!/usr/bin/env bash
# make test-oldest: the collection on the oldest ansible-core that meta/runtime.yml declares
# (requires_ansible): the unit tests and one molecule scenario, in their own venv .venv-oldest/
# (made from requirements-oldest.txt on first use, remade when that file changes).
# Usage: tools/test_oldest.sh [molecule scenario, default single_vpc]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${OLDEST_VENV:-.venv-oldest}"
PYTHON="${PYTHON_OLDEST:-python3}"
# the ansible package whose collections (amazon.aws, community.general, kubernetes.core) are used
ANSIBLE_COLLECTIONS_PACKAGE="ansible==12.3.0"
SCENARIO="${1:-single_vpc}"
start=$SECONDS

declared="$(sed -n 's/^requires_ansible: *"*>=\([0-9]*\.[0-9]*\).*/\1/p' meta/runtime.yml)"
pinned="$(sed -n 's/^ansible-core==\([0-9]*\.[0-9]*\)\..*/\1/p' requirements-oldest.txt)"
if [ -z "$declared" ] || [ "$declared" != "$pinned" ]; then
  echo "test-oldest: meta/runtime.yml declares ansible-core >=$declared but requirements-oldest.txt pins $pinned" >&2
  exit 1
fi

if [ ! -f "$VENV/.installed" ] || [ requirements-oldest.txt -nt "$VENV/.installed" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r requirements-oldest.txt
  "$VENV/bin/python" -m pip install --quiet --no-deps "$ANSIBLE_COLLECTIONS_PACKAGE"
  touch "$VENV/.installed"
fi
"$VENV/bin/ansible" --version | head -1
mkdir -p .collections/ansible_collections/refarch
[ -e .collections/ansible_collections/refarch/network ] || ln -sfn ../../.. .collections/ansible_collections/refarch/network

"$VENV/bin/pytest" -q -n 2 -p no:cacheprovider tests/unit
# molecule 25 does not add the collection to the search path as molecule 26 does
ANSIBLE_COLLECTIONS_PATH="$PWD/.collections" PY="$VENV/bin/python" bash tools/molecule_all.sh "$SCENARIO"
echo "test-oldest: ansible-core $("$VENV/bin/python" -c 'import ansible; print(ansible.__version__)') passed in $((SECONDS - start))s"
