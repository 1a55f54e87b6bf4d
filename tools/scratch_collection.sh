# shellcheck shell=bash
# Sourced by tools/sanity.sh and tools/docs.sh. scratch_collection DIR copies the working tree
# (without venvs, builds, test output, VCS data) to DIR/ansible_collections/refarch/network and
# places the dependency collections from the venv's `ansible` package beside it, because
# ansible-test and antsibull-docs only see collections that share one ansible_collections tree.
# DIR/.../tests/output is kept between runs so ansible-test can reuse its venv.
# Sets SCRATCH_COLLECTION to the collection's copy.
scratch_collection() {
  local work="$1" root venv site dep ns name
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="$root/.venv"
  site="$("$venv/bin/python" -c 'import ansible, os; print(os.path.join(os.path.dirname(os.path.dirname(ansible.__file__)), "ansible_collections"))')"
  SCRATCH_COLLECTION="$work/ansible_collections/refarch/network"
  mkdir -p "$SCRATCH_COLLECTION/tests"
  find "$SCRATCH_COLLECTION" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
  find "$SCRATCH_COLLECTION/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
  tar -C "$root" \
    --exclude=./.venv --exclude=./.collections --exclude=./.ansible --exclude=./.venv-checkov --exclude=./.venv-oldest --exclude=./build \
    --exclude=./tests/output --exclude=./.git --exclude=__pycache__ --exclude=.pytest_cache \
    --exclude=.hypothesis --exclude='./*.tar.gz' --exclude=./context --exclude=./benchmarks/results \
    -cf - . | tar -C "$SCRATCH_COLLECTION" -xf -
  for dep in ${SCRATCH_DEPS:-amazon.aws community.general kubernetes.core}; do
    ns="${dep%%.*}" name="${dep#*.}"
    if [[ ! -d "$work/ansible_collections/$ns/$name" ]]; then
      mkdir -p "$work/ansible_collections/$ns"
      cp -a "$site/$ns/$name" "$work/ansible_collections/$ns/$name"
    fi
  done
}
