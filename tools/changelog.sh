#!/usr/bin/env bash
# Changelog tooling (antsibull-changelog); fragments live in changelogs/fragments/.
#   tools/changelog.sh          lint fragments and changelogs/changelog.yaml, fail if CHANGELOG.md
#                               is not what changelog.yaml generates, list unreleased fragments
#   tools/changelog.sh release  fold new fragments and new modules/plugins into the release named
#                               by galaxy.yml's version (refreshing it if it exists), regenerate
#                               CHANGELOG.md
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# antsibull-changelog runs ansible-doc to find plugins; use the venv's.
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"

case "${1:-check}" in
  release)
    antsibull-changelog release --reload-plugins --refresh --update-existing
    rm -f changelogs/.plugin-cache.yaml
    ;;
  check)
    antsibull-changelog lint
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
    generated="$(mktemp)"
    trap 'rm -f "$generated"' EXIT
    antsibull-changelog generate --output "$generated" --output-format md
    if ! diff -u CHANGELOG.md "$generated"; then
      echo "CHANGELOG.md does not match changelogs/changelog.yaml: run tools/changelog.sh release" >&2
      exit 1
    fi
    # Fragments and modules not yet folded into a release are normal between releases: list them.
    python3 - <<'PY'
import os, yaml
with open("changelogs/changelog.yaml") as f:
    releases = (yaml.safe_load(f) or {}).get("releases") or {}
done = {frag for rel in releases.values() for frag in rel.get("fragments") or []}
pending = sorted(n for n in os.listdir("changelogs/fragments") if n.endswith((".yml", ".yaml")) and n not in done)
listed = {m["name"] for rel in releases.values() for m in rel.get("modules") or []}
new = sorted(n[:-3] for n in os.listdir("plugins/modules") if n.endswith(".py") and n[:-3] not in listed)
print("changelog: ok; unreleased fragments: %s; modules in no release yet: %s"
      % (", ".join(pending) or "none", ", ".join(new) or "none"))
PY
    ;;
  *)
    echo "usage: $0 [check|release]" >&2
    exit 2
    ;;
esac
