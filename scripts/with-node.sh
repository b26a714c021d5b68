#!/usr/bin/env bash
# Runs a command with the Node.js LTS of .node-version first on PATH (installed by scripts/install-node.sh when
# missing), so node, npm, npx and every tool they start (tsc, vitest, the hub and agents the tests spawn through
# process.execPath) run on the release the images ship, not on the machine's node.
set -euo pipefail
bin=$(bash "$(dirname "$0")/install-node.sh")
PATH="$bin:$PATH" exec "$@"
