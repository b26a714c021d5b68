#!/usr/bin/env bash
# Installs the Node.js LTS release that the images ship (the exact version in .node-version; deploy/Containerfile's
# NODE_IMAGE names the same release, checked by test/node-lts.spec.ts) and prints the folder that holds its node, npm
# and npx. A machine whose own node is that release uses it as it is. Otherwise the official Linux build comes from the
# npm registry, where each release is published as the package node-linux-<arch> (bin/node, no npm), together with the
# npm release that Node bundles, laid out like the official tarball (bin/, lib/node_modules/npm) in a cache folder
# outside the repository (KMM_HUB_CACHE moves it, as for test/env/build-binaries.sh). `npm pack` checks each tarball
# against the registry's integrity hash. Idempotent: a warm cache only runs `node --version`.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=$(tr -d '[:space:]' < .node-version)
# The npm that the Node release bundles (its CHANGELOG.md, 24.22.0: "deps: upgrade npm to 11.19.1"); bump it with
# .node-version.
NPM_VERSION=11.19.1
CACHE="${KMM_HUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kmm-hub}"
OUT="$CACHE/node-v$NODE_VERSION"

log() { printf 'install-node: %s\n' "$*" >&2; }

if [ "$(node --version 2>/dev/null || true)" = "v$NODE_VERSION" ]; then
  dirname "$(command -v node)"
  exit 0
fi
if [ "$("$OUT/bin/node" --version 2>/dev/null || true)" = "v$NODE_VERSION" ]; then
  echo "$OUT/bin"
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) log "no official Node.js build for $(uname -m)"; exit 1 ;;
esac
command -v npm >/dev/null || { log "npm is not on PATH; install Node.js >= 20.19 with npm first"; exit 1; }

log "Node.js $NODE_VERSION (node-linux-$arch) and npm $NPM_VERSION from the npm registry into $OUT"
mkdir -p "$CACHE"
staging=$(mktemp -d "$CACHE/node-v$NODE_VERSION.XXXXXX")
trap 'rm -rf "$staging"' EXIT
chmod 755 "$staging"
(
  cd "$staging"
  npm pack --silent "node-linux-$arch@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null
  mkdir -p bin lib/node_modules/npm
  tar -xzf "node-linux-$arch-$NODE_VERSION.tgz" --strip-components=2 -C bin package/bin/node
  tar -xzf "npm-$NPM_VERSION.tgz" --strip-components=1 -C lib/node_modules/npm
  ln -s ../lib/node_modules/npm/bin/npm-cli.js bin/npm
  ln -s ../lib/node_modules/npm/bin/npx-cli.js bin/npx
  rm -f ./*.tgz
)
[ "$("$staging/bin/node" --version)" = "v$NODE_VERSION" ] || { log "the unpacked node is not v$NODE_VERSION"; exit 1; }
# Another run may have finished first; its copy is as good as ours.
mv -T "$staging" "$OUT" 2>/dev/null || [ -x "$OUT/bin/node" ]
echo "$OUT/bin"
