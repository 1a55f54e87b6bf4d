#!/usr/bin/env bash
# Write the execution environment's build context offline (no image build, no network):
# build the collection tarball, check that builder sees the collection's own requirements
# (requirements-ee.txt and bindep.txt through meta/execution-environment.yml, not the dev
# toolchain), then `ansible-builder create` into build/ee/context (or $1).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.venv/bin"
cd "$ROOT"
OUT="${1:-build/ee/context}"
start=$SECONDS

mkdir -p build/ee
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$BIN/ansible-galaxy" collection build --force --output-path "$tmp" . >/dev/null
mv "$tmp"/refarch-network-*.tar.gz build/ee/refarch-network.tar.gz

# What builder will introspect from the installed collection.
"$BIN/ansible-galaxy" collection install --offline --no-deps --force -p "$tmp/collections" \
  build/ee/refarch-network.tar.gz >/dev/null
"$BIN/ansible-builder" introspect --sanitize "$tmp/collections" >"$tmp/introspect.txt"
for need in boto3 botocore kubernetes helm; do
  grep -q "^- '$need\b.*from collection refarch.network" "$tmp/introspect.txt" || {
    cat "$tmp/introspect.txt"; echo "ee: $need is not declared by refarch.network" >&2; exit 1; }
done
for dev in moto molecule pytest; do
  if grep -q "^- '$dev\b" "$tmp/introspect.txt"; then
    cat "$tmp/introspect.txt"; echo "ee: development package $dev would be installed" >&2; exit 1
  fi
done

rm -rf "$OUT"
"$BIN/ansible-builder" create -f execution-environment.yml -c "$OUT" --output-filename Containerfile >/dev/null
for f in Containerfile _build/requirements.txt _build/bindep.txt _build/requirements.yml \
  _build/collections/refarch-network.tar.gz; do
  [[ -s "$OUT/$f" ]] || { echo "ee: $OUT/$f missing" >&2; exit 1; }
done
echo "ee: build context in $OUT ($((SECONDS - start))s)"
