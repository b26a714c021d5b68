#!/usr/bin/env bash
# Builds the test oracles under test/oracles/ (Go programs, standard library only) once into a cache folder outside
# the repository, keyed by a hash of their sources so an edited oracle is rebuilt. Prints the path of each binary. The property tests
# that use an oracle compute the same path and fail (never skip) when the binary is missing.
set -euo pipefail
cd "$(dirname "$0")"

CACHE="${KMM_HUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kmm-hub}"
log() { printf 'build-oracles: %s\n' "$*" >&2; }

# The machine image installs Go under /usr/local/go; a non-login shell may not have it on PATH.
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="$PATH:/usr/local/go/bin"

for dir in */; do
  name="${dir%/}"
  [ -f "$name/main.go" ] || continue
  hash=$(cat "$name/go.mod" "$name/main.go" | sha256sum | cut -c1-12)
  out="$CACHE/bin/$name-$hash"
  if [ ! -x "$out/$name" ]; then
    command -v go >/dev/null || { log "go is not on PATH; install Go >= 1.25 to build the $name oracle"; exit 1; }
    log "compiling $name"
    mkdir -p "$out"
    (cd "$name" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$out/$name.tmp" . >&2)
    mv "$out/$name.tmp" "$out/$name"
  fi
  echo "$out/$name"
done
