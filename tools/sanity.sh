#!/usr/bin/env bash
# Run every `ansible-test sanity` test on the collection, offline-friendly.
#
# ansible-test needs the collection at a path ending ansible_collections/refarch/network with
# its dependency collections beside it, so we copy the working tree (without venvs, builds and
# test output) into a scratch tree and add the dependencies from the venv's `ansible` package.
#
# Usage: tools/sanity.sh [extra ansible-test args, e.g. --test pylint]
# Env:   SANITY_DIR  scratch root (default: a fresh temp dir, removed afterwards)
#        SCRATCH_DEPS dependency collections to place beside ours (tools/scratch_collection.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv"
# the venv's own Python (3.12+ for ansible-core 2.21)
PYVER="$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
# shellcheck source=tools/scratch_collection.sh
source "$ROOT/tools/scratch_collection.sh"

if [[ -n "${SANITY_DIR:-}" ]]; then
  WORK="$SANITY_DIR"
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/refarch-sanity.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
fi
scratch_collection "$WORK"
DEST="$SCRATCH_COLLECTION"

# ansible-test bootstraps pip in each venv it makes by running a cached get-pip script, which it
# would otherwise download. Our stand-in uses ensurepip, then installs the pip version asked for.
# ansible-test passes only HOME/PATH through, so PIP_* settings from this shell are written into
# the new venv's own pip.conf (the "site" config level pip always reads).
PIP_VER="$("$VENV/bin/python" -c 'from ansible_test._internal.python_requirements import get_venv_packages as g
class P: version = "'"$PYVER"'"
print(g(P)["pip"])')"
CACHE="$HOME/.ansible/test/cache"
mkdir -p "$CACHE"
PIP_CONF="$(env | grep -E '^PIP_[A-Z_]+=' | grep -v -E '^PIP_(BREAK_SYSTEM_PACKAGES|CONFIG_FILE)=' \
  | sed -E 's/^PIP_([A-Z_]+)=(.*)$/\1=\2/' \
  | while IFS='=' read -r key value; do printf '%s = %s\n' "$(tr 'A-Z_' 'a-z-' <<<"$key")" "$value"; done)"
cat >"$CACHE/get_pip_${PIP_VER//./_}.py" <<EOF
# Stand-in for get-pip.py written by refarch.network tools/sanity.sh (offline bootstrap).
import os
import subprocess
import sys

PIP_CONF = """[global]
$PIP_CONF
"""
if PIP_CONF.strip() != "[global]":
    with open(os.path.join(sys.prefix, "pip.conf"), "w") as conf:
        conf.write(PIP_CONF)
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
                      stdout=subprocess.DEVNULL)
packages = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet",
                       "--disable-pip-version-check", "--upgrade"] + packages)
EOF

cd "$DEST"
start=$SECONDS
status=0
"$VENV/bin/ansible-test" sanity --venv --python "$PYVER" --color no "$@" || status=$?
echo "sanity: exit $status in $((SECONDS - start))s (copy at $DEST)"
exit $status
