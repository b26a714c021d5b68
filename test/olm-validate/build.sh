#!/usr/bin/env bash
# Builds test/olm-validate (the operator framework's bundle validators behind a JSON report) from the official Go
# modules through the Go module proxy, once, into the cache folder that test/env/build-binaries.sh uses. Prints the
# path of the binary. The name carries a hash of the module's files, so a change to main.go, go.mod or go.sum builds
# a new binary instead of reusing a stale one.
set -euo pipefail
cd "$(dirname "$0")"

CACHE="${KMM_HUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kmm-hub}"
HASH=$(cat go.mod go.sum main.go | sha256sum | cut -c1-12)
OUT="$CACHE/bin/olm-validate-$HASH/olm-validate"

if [ -x "$OUT" ]; then
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "olm-validate: go is not on PATH; install Go >= 1.26" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
echo "olm-validate: compiling github.com/operator-framework/api validators (first time: a few minutes)" >&2
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$OUT.tmp" . >&2
mv "$OUT.tmp" "$OUT"
echo "$OUT"
