#!/usr/bin/env bash
# The main command: prepares a fresh machine like CI does, builds, and runs the local demo fleet until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The build, the demo and the hub and agents it spawns (process.execPath) run on the Node.js LTS the images ship.
PATH="$(bash scripts/install-node.sh):$PATH"
npm run build --silent
exec node --enable-source-maps test/env/dist/demo.js
