#!/usr/bin/env bash
# Builds Prometheus's promtool (check rules, test rules) from the official Go module through the Go module proxy,
# once, into a cache folder outside the repository. Prints the path of the binary.
#
# PROMTOOL (a promtool executable) overrides the build.
set -euo pipefail

PROMETHEUS_VERSION="${KMM_PROMETHEUS_VERSION:-v0.316.0}"
CACHE="${KMM_HUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kmm-hub}"
OUT="$CACHE/bin/promtool-$PROMETHEUS_VERSION"

log() { printf 'build-promtool: %s\n' "$*" >&2; }

if [ -n "${PROMTOOL:-}" ]; then
  [ -x "$PROMTOOL" ] || { log "PROMTOOL=$PROMTOOL is not executable"; exit 1; }
  echo "$PROMTOOL"
  exit 0
fi

if [ -x "$OUT/promtool" ]; then
  echo "$OUT/promtool"
  exit 0
fi

# The machine image installs Go under /usr/local/go; a non-login shell may not have it on PATH.
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { log "go is not on PATH; install Go >= 1.25 or set PROMTOOL"; exit 1; }
mkdir -p "$OUT"
# Prometheus 3.x is published as the Go module github.com/prometheus/prometheus v0.3xx.y (v3.y.z => v0.30y.z);
# its go.mod has no replace directives, so `go install` of the command builds it as the project's own go.mod pins.
log "compiling promtool from github.com/prometheus/prometheus $PROMETHEUS_VERSION (first time: several minutes)"
GOBIN="$OUT" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
  "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION" >&2
echo "$OUT/promtool"
