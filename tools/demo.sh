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
rm -f build/report.html build/report.html.json  # this demo's runs write the report afresh
step "Organization and one account per environment"
run_if accounts.yml "${ENVS[@]}"

step "Three environments, converged in parallel (site.yml)"
ansible-playbook "${ENVS[@]}" playbooks/site.yml

if [ -d inventories/single_vpc ]; then
  step "The single-VPC layout: production and staging (its own report: build/single_vpc/report.html)"
  REFARCH_REPORT=build/single_vpc/report.html ansible-playbook "${SINGLE[@]}" playbooks/site.yml
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

step "Topology diagram of the real state, and the run report"
# The refarch.network.report callback ends this run with the overview (environments, resources,
# intents passed, estimated monthly cost) and writes build/report.html; verification and DNS
# come from the second site.yml run above.
if ! run_if diagram.yml "${ENVS[@]}" >build/diagram-run.log 2>&1; then cat build/diagram-run.log; exit 1; fi
sed -n '/^refarch.network run report$/,$p' build/diagram-run.log
[ -s build/report.html ] || { echo "build/report.html was not written" >&2; exit 1; }
[ -d build/diagram ] && echo "  Mermaid diagram: build/diagram/network.md (renders on code hosts)"
echo
echo "Demo complete. Open build/report.html in a browser (no network needed)."
