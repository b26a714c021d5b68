import { RESOURCES, type KernelMapping, type ManagedClusterModule, type Module, type ModuleSpec } from '@kmm-hub/api';
import { moduleIdentityOf, type ResolvedKernelMapping } from '@kmm-hub/kernel';
import { RENDER_PROBLEM, type RenderFailure } from './render-problem.js';

/** A kernel whose image is published: the image pinned to its digest, and the MCM's mapping as resolved for it. */
export interface ReadyKernel {
  /** `repo@sha256:<64 hex>`. */
  readonly image: string;
  /**
   * What `resolveManagedClusterModuleKernel(mcm, kernel)` returned for this MCM: the caller resolved each kernel
   * once (the planner, for the image look-ups) and rendering reuses that answer.
   */
  readonly mapping: ResolvedKernelMapping;
}

export interface RenderModuleInput {
  readonly mcm: ManagedClusterModule;
  /**
   * The cluster's kernels whose image is published (trailing `+` removed, as `parseKernelClaim` returns them).
   * Kernels still building are simply absent: a cluster gets the ready kernels now instead of waiting for the
   * slowest build.
   */
  readonly kernels: ReadonlyMap<string, ReadyKernel>;
}

export type RenderModuleResult = { ok: true; module: Module } | RenderFailure;

/** `name@algorithm:encoded` (OCI image-spec digest grammar); sha256 and sha512 must be lowercase hex of their size. */
const PINNED_IMAGE = /^[^@\s]+@([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };

/** Whether `image` is pinned to a digest, e.g. `registry.example/kmm/gpu@sha256:4f53…b945`. */
export function isPinnedImage(image: string): boolean {
  const match = PINNED_IMAGE.exec(image);
  if (match === null) return false;
  const [, algorithm = '', encoded = ''] = match;
  const length = DIGEST_HEX_LENGTH[algorithm];
  return length === undefined || (encoded.length === length && /^[a-f0-9]+$/.test(encoded));
}

/**
 * The Module a spoke receives for a ManagedClusterModule (upstream `SetManifestWorkAsDesired`), computed on a deep
 * copy (upstream edits the shared `moduleLoader` pointer and leaks one cluster's mappings into the next: its
 * `SetManifestWorkAsDesired` in kubernetes-sigs/kernel-module-management internal/manifestwork/manifestwork.go):
 * - `metadata`: name = MCM name, namespace = `spec.spokeNamespace`; no labels (upstream sets none on the Module);
 * - `spec` = `moduleSpec` with `build` and `sign` removed from the container and from every mapping: they run on
 *   the hub only. Everything else passes through (selector, tolerations, imageRepoSecret, devicePlugin, dra,
 *   modprobe, version, imagePullPolicy, the container's registryTLS and containerImage template, …);
 * - `kernelMappings` = one `literal` mapping per ready kernel, sorted by kernel so the output is stable, with the
 *   pinned image, the resolved in-tree modules and the matched mapping's own registryTLS (upstream drops the last);
 * - the container-level `inTreeModuleToRemove`/`inTreeModulesToRemove` are removed because every literal mapping
 *   carries the resolved list. Upstream keeps them, so a container using the deprecated singular field gets
 *   mappings with the plural one and the spoke webhook rejects the mix ("only one type of field").
 * A spec without `moduleLoader` (device plugin or DRA only) is sent as is and needs no ready kernel.
 */
export function renderModule(input: RenderModuleInput): RenderModuleResult {
  const { mcm, kernels } = input;
  const moduleSpec = mcm.spec?.moduleSpec;
  if (moduleSpec === undefined) {
    return { ok: false, problem: RENDER_PROBLEM.MissingModuleSpec, reason: 'spec.moduleSpec is not set' };
  }
  const spec: ModuleSpec = structuredClone(moduleSpec);
  const container = spec.moduleLoader?.container;
  if (container !== undefined) {
    const mappings = renderKernelMappings(kernels);
    if (!mappings.ok) return mappings;
    delete container.build;
    delete container.sign;
    delete container.inTreeModuleToRemove;
    delete container.inTreeModulesToRemove;
    container.kernelMappings = mappings.kernelMappings;
  }
  const identity = moduleIdentityOf(mcm);
  return {
    ok: true,
    module: {
      apiVersion: RESOURCES.Module.apiVersion,
      kind: RESOURCES.Module.kind,
      metadata: { name: identity.name, namespace: identity.namespace },
      spec,
    },
  };
}

function renderKernelMappings(
  kernels: ReadonlyMap<string, ReadyKernel>,
): { ok: true; kernelMappings: KernelMapping[] } | RenderFailure {
  if (kernels.size === 0) {
    return {
      ok: false,
      problem: RENDER_PROBLEM.NoKernelReady,
      reason: 'no kernel of the cluster has a published image yet',
    };
  }
  const kernelMappings: KernelMapping[] = [];
  for (const kernel of [...kernels.keys()].toSorted(compareCodeUnits)) {
    const { image, mapping: resolved } = kernels.get(kernel) as ReadyKernel;
    if (!isPinnedImage(image)) {
      return {
        ok: false,
        problem: RENDER_PROBLEM.ImageNotPinned,
        reason: `image ${JSON.stringify(image)} for kernel ${kernel} is not pinned to a digest (repo@sha256:…)`,
      };
    }
    const mapping: KernelMapping = { literal: kernel, containerImage: image };
    if (resolved.mapping.registryTLS !== undefined) mapping.registryTLS = structuredClone(resolved.mapping.registryTLS);
    if (resolved.inTreeModulesToRemove !== undefined)
      mapping.inTreeModulesToRemove = [...resolved.inTreeModulesToRemove];
    kernelMappings.push(mapping);
  }
  return { ok: true, kernelMappings };
}

function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
