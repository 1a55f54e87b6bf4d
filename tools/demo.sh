#!/usr/bin/env bash
# `make demo` runs this under tools/emulator.py, so AWS_ENDPOINT_URL points at the local
# emulator: the same playbooks would run unchanged against real AWS.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export PATH="$PWD/.venv/bin:$PATH"
ENVS=(-i inventories/management -i inventories/development -i inventories/production)
SINGLE=(-i inventories/single_vpc/production -i inventories/single_vpc/staging)
step() { printf '\n=== %s\n' "$*"; }
run_if() { [ -f "playbooks/$1" ] || return 0; shift_args=("${@:2}"); ansible-playbook "${shift_args[@]}" "playbooks/$1"; }

mkdir -p build
step "Organization and one account per environment"
run_if accounts.yml "${ENVS[@]}"

step "Three environments, converged in parallel (site.yml)"
ansible-playbook "${ENVS[@]}" playbooks/site.yml

if [ -d inventories/single_vpc ]; then
  step "The single-VPC layout: production and staging"
  ansible-playbook "${SINGLE[@]}" playbooks/site.yml
fi

step "Second run of site.yml: must report changed=0"
ansible-playbook "${ENVS[@]}" playbooks/site.yml | tee build/second-run.log | sed -n '/PLAY RECAP/,$p'
if grep -E 'changed=[1-9]' build/second-run.log >/dev/null; then
  echo "second run changed something" >&2; exit 1
fi

step "EKS plugins: cluster records and IRSA roles in the emulator, manifests rendered for GitOps"
python tools/eks_demo_clusters.py management development production
run_if eks_plugins.yml "${ENVS[@]}" -e eks_plugins_mode=render
echo "Rendered Helm values and manifests under build/<environment>/k8s/"

step "Topology diagram of the real state"
run_if diagram.yml "${ENVS[@]}"
[ -d build/diagram ] && echo "Diagram written under build/diagram/ (network.md renders on code hosts)"
echo
echo "Demo complete."
