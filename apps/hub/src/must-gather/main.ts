#!/usr/bin/env node
// The must-gather image's /usr/bin/gather: collects into MUST_GATHER_DIR what gather.ts lists, and exits 0 even
// when parts are missing (they are named in gather.log), so `oc adm must-gather` still copies what was collected.
import { readFile } from 'node:fs/promises';
import { inClusterConfig, loadKubeconfigFile } from '@kmm-hub/kube';
import { gather } from './gather.js';
import { parseGatherConfig } from './gather-config.js';

const config = parseGatherConfig(process.env);
const hubToken = config.HUB_TOKEN_FILE ? (await readFile(config.HUB_TOKEN_FILE, 'utf8')).trim() : undefined;
const { files, skipped } = await gather({
  kube: config.KUBECONFIG ? loadKubeconfigFile(config.KUBECONFIG) : inClusterConfig(),
  outDir: config.MUST_GATHER_DIR,
  hubNamespace: config.HUB_NAMESPACE,
  hubUrl: config.HUB_URL,
  ...(hubToken && { hubToken }),
  logLines: config.MUST_GATHER_LOG_LINES,
  maxBuilds: config.MUST_GATHER_MAX_BUILDS,
});
process.stdout.write(`kmm-hub must-gather: ${files.length} files in ${config.MUST_GATHER_DIR}\n`);
for (const s of skipped) process.stdout.write(`skipped ${s}\n`);
