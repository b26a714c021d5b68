#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, etcd) from the official Go modules through the Go module proxy,
# once, into a cache folder outside the repository. Prints the folder that holds both binaries.
#
# KUBEBUILDER_ASSETS (a folder holding kube-apiserver and etcd) overrides the build, as in controller-runtime's envtest.
set -euo pipefail

K8S_VERSION="${KMM_K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${KMM_ETCD_VERSION:-v3.6.16}"
CACHE="${KMM_HUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kmm-hub}"
OUT="$CACHE/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"

log() { printf 'build-binaries: %s\n' "$*" >&2; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for b in kube-apiserver etcd; do
    [ -x "$KUBEBUILDER_ASSETS/$b" ] || { log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b"; exit 1; }
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

if [ -x "$OUT/kube-apiserver" ] && [ -x "$OUT/etcd" ]; then
  echo "$OUT"
  exit 0
fi

# The machine image installs Go under /usr/local/go; a non-login shell may not have it on PATH.
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { log "go is not on PATH; install Go >= 1.25 or set KUBEBUILDER_ASSETS"; exit 1; }
mkdir -p "$OUT"
export GOFLAGS="${GOFLAGS:-} -mod=mod" CGO_ENABLED=0

# Staging modules of k8s.io/kubernetes are required at v0.0.0 and replaced by local paths in its go.mod; replace
# directives of a dependency are ignored, so a consumer module repeats them pointing at the published v0.x versions.
build_apiserver() {
  local mod="$CACHE/src/kube-apiserver-$K8S_VERSION" staging="v0.${K8S_VERSION#v1.}"
  mkdir -p "$mod"
  local gomod
  gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module kmmhub.local/kube-apiserver"
    echo
    echo "go 1.25"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
    echo ")"
  } > "$mod/go.mod"
  printf 'package main\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' > "$mod/tools.go"
  sed -i 's/^package main$/\/\/go:build tools\n\npackage main/' "$mod/tools.go"
  log "resolving k8s.io/kubernetes $K8S_VERSION (staging $staging)"
  (cd "$mod" && go mod tidy >&2)
  log "compiling kube-apiserver (first time: several minutes on 2 cores)"
  (cd "$mod" && go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION" \
      -o "$OUT/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver >&2)
  mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"
}

build_etcd() {
  local mod="$CACHE/src/etcd-$ETCD_VERSION"
  mkdir -p "$mod"
  {
    echo "module kmmhub.local/etcd"
    echo
    echo "go 1.25"
    echo
    echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  } > "$mod/go.mod"
  printf '//go:build tools\n\npackage main\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$mod/tools.go"
  log "resolving go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  (cd "$mod" && go mod tidy >&2)
  log "compiling etcd"
  (cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3 >&2)
  mv "$OUT/etcd.tmp" "$OUT/etcd"
}

[ -x "$OUT/etcd" ] || build_etcd
[ -x "$OUT/kube-apiserver" ] || build_apiserver
echo "$OUT"
