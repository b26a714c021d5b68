#!/usr/bin/env bash
# The main command: prepares a fresh machine like CI does, builds, and runs the local demo fleet until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run build --silent
exec node --enable-source-maps test/env/dist/demo.js
