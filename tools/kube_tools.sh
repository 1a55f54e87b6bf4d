#!/usr/bin/env bash
# Install what tools/kube_apiserver.py runs: etcd (Debian's etcd-server) and kube-apiserver, built
# from Debian's `kubernetes` source package with Debian's Go (no Kubernetes server binary is
# packaged in the registries these machines reach). Idempotent: a second run finds the cached
# binary and returns at once. The cache lives outside the work tree (REFARCH_TOOLS_CACHE, default
# ~/.cache/refarch-network) so fresh clones on the same machine reuse it.
set -euo pipefail

CACHE=${REFARCH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/refarch-network}
KUBE=$CACHE/kubernetes
BIN=$KUBE/bin
APT_DIR=$KUBE/apt

log() { printf 'kube_tools: %s\n' "$*" >&2; }

if [[ -x $BIN/kube-apiserver ]] && command -v etcd >/dev/null; then
  log "cached: $("$BIN/kube-apiserver" --version), $(etcd --version | head -n1)"
  exit 0
fi

apt_install() {
  if [[ $(id -u) -ne 0 ]]; then
    log "needs root for apt-get install $*"
    exit 1
  fi
  # another apt run on the machine holds the lock for a while: wait for it rather than fail
  DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends "$@" >/dev/null
}

start=$SECONDS
missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v go >/dev/null || missing+=(golang-go)
REFLECT2=/usr/share/gocode/src/github.com/modern-go/reflect2
[[ -d $REFLECT2 ]] || missing+=(golang-github-modern-go-reflect2-dev)
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  apt_install "${missing[@]}" || { apt-get update -qq && apt_install "${missing[@]}"; }
fi

if [[ ! -x $BIN/kube-apiserver ]]; then
  # The source index only, in a private apt state: the machine's own apt configuration is left
  # as it is. The deb-src entries are the machine's Debian entries with their type changed.
  mkdir -p "$APT_DIR/lists/partial" "$KUBE/src"
  sources=$APT_DIR/debian-src.sources
  : >"$sources"
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e $f ]] || continue
    # keep the paragraphs signed by Debian's archive key (not third-party repositories)
    awk -v RS= -v ORS='\n\n' '/debian-archive-keyring/' "$f" | sed 's/^Types:.*/Types: deb-src/' >>"$sources"
  done
  if [[ ! -s $sources ]]; then
    log "no Debian entry in /etc/apt/sources.list.d/*.sources to derive deb-src from"
    exit 1
  fi
  apt_src=(-o Dir::Etc::sourcelist="$sources" -o Dir::Etc::sourceparts=- -o Dir::State::lists="$APT_DIR/lists"
           -o APT::Get::List-Cleanup=0)
  log "apt-get source kubernetes"
  apt-get "${apt_src[@]}" update -qq
  (cd "$KUBE/src" && apt-get "${apt_src[@]}" source --download-only -qq kubernetes 2>/dev/null)
  origs=("$KUBE"/src/kubernetes_*.orig.tar.gz)
  orig=${origs[-1]}
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  tar -xzf "$orig" -C "$work"
  trees=("$work"/kubernetes-*)
  tree=${trees[0]}
  version=${tree##*/kubernetes-}
  # Debian's patches change kubectl's printers only, so the orig tarball is the server's source.
  # Kubernetes 1.20 builds in GOPATH mode from its vendor/ tree (hack/lib/golang.sh does the same):
  # nothing is downloaded.
  # Vendored reflect2 1.0.1 predates Go 1.18's map internals: built with Debian's Go 1.19 the server
  # dies with "unexpected fault address" on its first custom resource. 1.0.2 is the fix (Kubernetes
  # took it later); Debian packages it, same API.
  rm -rf "$tree/vendor/github.com/modern-go/reflect2"
  cp -r "$REFLECT2" "$tree/vendor/github.com/modern-go/reflect2"
  mkdir -p "$work/gopath/src/k8s.io"
  ln -s "$tree" "$work/gopath/src/k8s.io/kubernetes"
  export GOPATH=$work/gopath GOCACHE=$work/gocache GO111MODULE=off GOFLAGS='' CGO_ENABLED=0
  cd "$work/gopath/src/k8s.io/kubernetes"
  # The one generated file the tarball lacks: the API's OpenAPI definitions. Same inputs as
  # Makefile.generated_files (every package tagged +k8s:openapi-gen= but the code-generator and
  # sample-apiserver examples); its rule-violation report must equal the checked-in list.
  log "openapi-gen ($(go version | cut -d' ' -f3))"
  go build -o "$work/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
  inputs=$(find -H . \( -path './_*' -o -path './.*' -o -path ./vendor -o -path ./staging/src/k8s.io/code-generator \
                       -o -path ./staging/src/k8s.io/sample-apiserver \) -prune -o -type f -name '*.go' -print0 |
           xargs -0 grep -l '^// *+k8s:' | xargs grep -l '+k8s:openapi-gen=' | xargs -n1 dirname |
           sed 's|^\./staging/src/|vendor/|; s|^\./|k8s.io/kubernetes/|; s|^vendor/|k8s.io/kubernetes/vendor/|' |
           LC_ALL=C sort -u | paste -sd,)
  "$work/openapi-gen" -i "$inputs" -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
    -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$work/violations.report" 2>/dev/null
  diff -q "$work/violations.report" api/api-rules/violation_exceptions.list >/dev/null
  # providerless: without the in-tree cloud providers' SDKs (a fifth of the packages), which a
  # server without nodes never calls
  log "go build -tags providerless kube-apiserver $version"
  IFS=. read -r major minor _ <<<"$version"
  ldflags="-s -w"
  for pkg in client-go/pkg/version component-base/version; do  # as hack/lib/version.sh sets them
    p=k8s.io/kubernetes/vendor/k8s.io/$pkg
    ldflags+=" -X $p.gitVersion=v$version -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  go build -tags providerless -trimpath -ldflags "$ldflags" -o "$work/kube-apiserver" ./cmd/kube-apiserver
  cd - >/dev/null
  mkdir -p "$BIN"
  mv "$work/kube-apiserver" "$BIN/kube-apiserver"
fi
log "ready in $((SECONDS - start)) s: $("$BIN/kube-apiserver" --version), $(etcd --version | head -n1)"
