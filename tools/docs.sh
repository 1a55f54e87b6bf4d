#!/usr/bin/env bash
# Module, plugin and role reference in docs/reference/, generated from the documentation blocks.
#   tools/docs.sh          lint the docs (antsibull-docs) and regenerate docs/reference/
#   tools/docs.sh --check  lint the docs and fail if docs/reference/ is not what they generate
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
# shellcheck source=tools/scratch_collection.sh
source tools/scratch_collection.sh
start=$SECONDS

WORK="$(mktemp -d "${TMPDIR:-/tmp}/refarch-docs.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
scratch_collection "$WORK"
export ANSIBLE_COLLECTIONS_PATH="$WORK"

# Schema and markup of every DOCUMENTATION/RETURN block and role argument spec, and that
# M()/O()/RV() references to this collection resolve; it also renders each page.
# antsibull-docs copies each dependency from wherever `ansible-galaxy collection list` finds it
# first, with `git ls-files` when that place is inside a git checkout. The venv's bundled copies
# sit inside our (git) checkout but are git-ignored, so they would arrive empty: hide them and
# let it find the plain copies scratch_collection placed beside ours.
ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
  antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs self "$SCRATCH_COLLECTION"

if [[ "${1:-}" == "--check" ]]; then
  python tools/docs_md.py "$WORK/reference"
  if ! diff -ru docs/reference "$WORK/reference"; then
    echo "docs/reference/ is stale: run tools/docs.sh and commit the result" >&2
    exit 1
  fi
else
  python tools/docs_md.py docs/reference
fi
echo "docs: $(find docs/reference -name "*.md" | wc -l) pages in docs/reference ($((SECONDS - start))s)"
