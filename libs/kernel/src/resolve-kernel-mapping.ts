import type {
  Build,
  BuildArg,
  KernelMapping,
  ManagedClusterModule,
  ModuleLoaderContainerSpec,
  RegistryTLS,
  Sign,
} from '@kmm-hub/api';
import { compileKernelRegexp } from './kernel-regexp.js';
import { KERNEL_MAPPING_PROBLEM, type KernelMappingProblem } from './kernel-mapping-problem.js';
import {
  forcedBuildArgs,
  newRenderContext,
  renderBuildValue,
  renderImageReference,
  type ModuleIdentity,
  type RenderContext,
} from './render-context.js';

/**
 * One kernel's view of a ModuleLoaderContainerSpec: what upstream calls ModuleLoaderData
 * (`internal/module/kernelmapper.go` `GetModuleLoaderDataForKernel`), limited to what the hub and the spoke need.
 */
export interface ResolvedKernelMapping {
  /** The kernel as given (trailing `+` removed by the caller): the literal of the spoke's kernel mapping. */
  readonly kernel: string;
  /** Index of the matching entry in `kernelMappings`. */
  readonly mappingIndex: number;
  /** A copy of the mapping that matched, as written. */
  readonly mapping: KernelMapping;
  /** The rendered image reference (mapping's template, else the container's). */
  readonly containerImage: string;
  /**
   * Merged build, present when the mapping or the container has one: build-arg values rendered, then the forced
   * args (`KERNEL_VERSION`, `KERNEL_FULL_VERSION`, `MOD_NAME`, `MOD_NAMESPACE`) applied over them, so this is exactly
   * what the builder receives. The Dockerfile text is not substituted: its `ARG`s receive these values at build time
   * (envsubst on a Dockerfile would erase every shell `$var`).
   */
  readonly build?: Build;
  /** Merged sign, present when the mapping or the container has one; `unsignedImage` and `filesToSign` rendered. */
  readonly sign?: Sign;
  /** The mapping's registryTLS, else the container's, else `{}` (never absent, as upstream). */
  readonly registryTLS: RegistryTLS;
  /** In-tree modules to unload first; absent when neither level sets any. */
  readonly inTreeModulesToRemove?: string[];
  readonly context: RenderContext;
}

export type KernelMappingResolution =
  { ok: true; mapping: ResolvedKernelMapping } | { ok: false; problem: KernelMappingProblem; reason: string };

export interface ResolveKernelMappingInput {
  readonly container: ModuleLoaderContainerSpec;
  /** The Module the image is for; on the hub use `moduleIdentityOf(mcm)`. */
  readonly module: ModuleIdentity;
  /** The kernel with its trailing `+` removed. */
  readonly kernel: string;
}

/**
 * The identity every hub rendering uses for a ManagedClusterModule: the spoke Module the ManifestWork creates
 * (name = MCM name, namespace = `spec.spokeNamespace`). See `ModuleIdentity` for why.
 */
export function moduleIdentityOf(mcm: ManagedClusterModule): ModuleIdentity {
  return { name: mcm.metadata.name ?? '', namespace: mcm.spec?.spokeNamespace ?? '' };
}

/**
 * Resolves `kernel` against a ManagedClusterModule's module loader with the canonical identity. An MCM without
 * `moduleLoader` (device plugin or DRA only) has nothing to map; upstream dereferences it and panics.
 */
export function resolveManagedClusterModuleKernel(mcm: ManagedClusterModule, kernel: string): KernelMappingResolution {
  const container = mcm.spec?.moduleSpec?.moduleLoader?.container;
  if (container === undefined) {
    return {
      ok: false,
      problem: KERNEL_MAPPING_PROBLEM.NoModuleLoader,
      reason: 'spec.moduleSpec.moduleLoader is not set: there is no kernel module to map',
    };
  }
  return resolveKernelMapping({ container, module: moduleIdentityOf(mcm), kernel });
}

/**
 * Finds the mapping for a kernel and renders it, in upstream's order:
 * 1. walk `kernelMappings` in order; a mapping matches when its `literal` is non-empty and equal to the kernel, or
 *    its `regexp` is non-empty and matches ANYWHERE in the kernel (Go `regexp.MatchString`, see `kernel-regexp.ts`).
 *    The first match wins; an invalid regexp is an error only if it is reached before a match;
 * 2. no match → `NoMatchingKernelMapping` (the module does not target this kernel), even for a kernel like `6.1`;
 * 3. merge mapping over container (`mergeBuild`, `mergeSign`, registryTLS, containerImage, in-tree modules);
 * 4. render with the one context for (module, kernel).
 */
export function resolveKernelMapping(input: ResolveKernelMappingInput): KernelMappingResolution {
  const { container, module, kernel } = input;
  const found = findKernelMapping(container.kernelMappings ?? [], kernel);
  if (!found.ok) return found;
  const { mapping, index } = found;

  const contextResult = newRenderContext(module, kernel);
  if (!contextResult.ok) {
    return { ok: false, problem: KERNEL_MAPPING_PROBLEM.InvalidKernelVersion, reason: contextResult.reason };
  }
  const context = contextResult.context;

  const ownImage = mapping.containerImage ?? '';
  const imageTemplate = ownImage !== '' ? ownImage : (container.containerImage ?? '');
  if (imageTemplate === '') {
    return {
      ok: false,
      problem: KERNEL_MAPPING_PROBLEM.MissingContainerImage,
      reason: `kernelMappings[${index}] has no containerImage and the container has no default containerImage`,
    };
  }
  const image = renderImageReference(imageTemplate, context);
  if (!image.ok) return invalidTemplate(`kernelMappings[${index}] containerImage`, image.reason);
  if (image.value === '') {
    return {
      ok: false,
      problem: KERNEL_MAPPING_PROBLEM.MissingContainerImage,
      reason: `containerImage ${JSON.stringify(imageTemplate)} renders to an empty string for kernel ${kernel}`,
    };
  }

  let build: Build | undefined;
  const mergedBuild = mergeBuild(container.build, mapping.build);
  if (mergedBuild !== undefined) {
    const rendered = renderBuild(mergedBuild, context);
    if (!rendered.ok) return rendered;
    build = rendered.build;
  }

  let sign: Sign | undefined;
  const mergedSign = mergeSign(container.sign, mapping.sign);
  if (mergedSign !== undefined) {
    const rendered = renderSign(mergedSign, context);
    if (!rendered.ok) return rendered;
    sign = rendered.sign;
  }

  const inTreeModulesToRemove = resolveInTreeModules(container, mapping);
  const resolved: ResolvedKernelMapping = {
    kernel,
    mappingIndex: index,
    mapping: structuredClone(mapping),
    containerImage: image.value,
    ...(build !== undefined && { build }),
    ...(sign !== undefined && { sign }),
    registryTLS: structuredClone(mapping.registryTLS ?? container.registryTLS ?? {}),
    ...(inTreeModulesToRemove !== undefined && { inTreeModulesToRemove }),
    context,
  };
  return { ok: true, mapping: resolved };
}

type FoundMapping =
  { ok: true; mapping: KernelMapping; index: number } | { ok: false; problem: KernelMappingProblem; reason: string };

function findKernelMapping(mappings: readonly KernelMapping[], kernel: string): FoundMapping {
  for (const [index, mapping] of mappings.entries()) {
    const literal = mapping.literal ?? '';
    if (literal !== '' && literal === kernel) return { ok: true, mapping, index };
    const pattern = mapping.regexp ?? '';
    if (pattern === '') continue;
    const compiled = compileKernelRegexp(pattern);
    if (!compiled.ok) {
      return {
        ok: false,
        problem: KERNEL_MAPPING_PROBLEM.InvalidRegexp,
        reason: `kernelMappings[${index}].regexp ${JSON.stringify(pattern)} is not a valid RE2 expression: ${compiled.reason}`,
      };
    }
    if (compiled.regexp.matches(kernel)) return { ok: true, mapping, index };
  }
  return {
    ok: false,
    problem: KERNEL_MAPPING_PROBLEM.NoMatchingKernelMapping,
    reason: `no kernel mapping matches kernel ${kernel}`,
  };
}

/**
 * Upstream `getRelevantBuild`: one side only → a copy of it. Both → the container's, with the mapping's
 * `dockerfileConfigMap`, its build args merged by name (`applyBuildArgOverrides`) and its secrets appended.
 * Upstream keeps the container's `baseImageRegistryTLS`, `kanikoParams` and `selector` even when the mapping sets
 * them (Go cannot tell an unset struct from an empty one); we let a mapping's value win when it is present, which
 * only changes specs that upstream silently half-ignores.
 */
export function mergeBuild(containerBuild: Build | undefined, mappingBuild: Build | undefined): Build | undefined {
  if (containerBuild === undefined) return mappingBuild === undefined ? undefined : structuredClone(mappingBuild);
  if (mappingBuild === undefined) return structuredClone(containerBuild);
  const merged = structuredClone(containerBuild);
  merged.dockerfileConfigMap = structuredClone(mappingBuild.dockerfileConfigMap);
  const args = applyBuildArgOverrides(merged.buildArgs ?? [], structuredClone(mappingBuild.buildArgs ?? []));
  if (merged.buildArgs !== undefined || args.length > 0) merged.buildArgs = args;
  if (mappingBuild.secrets !== undefined)
    merged.secrets = [...(merged.secrets ?? []), ...structuredClone(mappingBuild.secrets)];
  if (mappingBuild.baseImageRegistryTLS !== undefined)
    merged.baseImageRegistryTLS = structuredClone(mappingBuild.baseImageRegistryTLS);
  if (mappingBuild.kanikoParams !== undefined) merged.kanikoParams = structuredClone(mappingBuild.kanikoParams);
  if (mappingBuild.selector !== undefined) merged.selector = structuredClone(mappingBuild.selector);
  return merged;
}

/**
 * Upstream `ApplyBuildArgOverrides`: every arg whose name has an override is replaced in place (the last override
 * of a name wins); overrides that replaced nothing are appended in name order.
 */
export function applyBuildArgOverrides(args: readonly BuildArg[], overrides: readonly BuildArg[]): BuildArg[] {
  const byName = new Map<string, BuildArg>();
  for (const override of overrides) byName.set(override.name, override);
  const unused = new Set(byName.keys());
  const result = args.map((arg) => {
    const override = byName.get(arg.name);
    if (override === undefined) return arg;
    unused.delete(arg.name);
    return override;
  });
  for (const name of [...unused].toSorted(compareCodeUnits)) result.push(byName.get(name) as BuildArg);
  return result;
}

/**
 * Upstream `getRelevantSign`: one side only → a copy of it. Both → the container's, with the mapping's
 * `unsignedImage` when non-empty, its `keySecret`/`certSecret`, and its `filesToSign` appended. As for builds, a
 * mapping's `unsignedImageRegistryTLS` wins when present (upstream keeps the container's).
 */
export function mergeSign(containerSign: Sign | undefined, mappingSign: Sign | undefined): Sign | undefined {
  if (containerSign === undefined) return mappingSign === undefined ? undefined : structuredClone(mappingSign);
  if (mappingSign === undefined) return structuredClone(containerSign);
  const merged = structuredClone(containerSign);
  if ((mappingSign.unsignedImage ?? '') !== '') merged.unsignedImage = mappingSign.unsignedImage;
  // The CRD requires both secrets; objects that skipped validation may still lack them (upstream checks for nil).
  if (mappingSign.keySecret !== undefined) merged.keySecret = structuredClone(mappingSign.keySecret);
  if (mappingSign.certSecret !== undefined) merged.certSecret = structuredClone(mappingSign.certSecret);
  if (mappingSign.filesToSign !== undefined)
    merged.filesToSign = [...(merged.filesToSign ?? []), ...mappingSign.filesToSign];
  if (mappingSign.unsignedImageRegistryTLS !== undefined) {
    merged.unsignedImageRegistryTLS = structuredClone(mappingSign.unsignedImageRegistryTLS);
  }
  return merged;
}

type Rendered<K extends string, T> =
  ({ ok: true } & Record<K, T>) | { ok: false; problem: KernelMappingProblem; reason: string };

function renderBuild(build: Build, context: RenderContext): Rendered<'build', Build> {
  const userArgs: BuildArg[] = [];
  for (const [i, arg] of (build.buildArgs ?? []).entries()) {
    const value = renderBuildValue(arg.value, context);
    if (!value.ok) return invalidTemplate(`build.buildArgs[${i}] (${arg.name})`, value.reason);
    userArgs.push({ name: arg.name, value: value.value });
  }
  return { ok: true, build: { ...build, buildArgs: applyBuildArgOverrides(userArgs, forcedBuildArgs(context)) } };
}

function renderSign(sign: Sign, context: RenderContext): Rendered<'sign', Sign> {
  const rendered = { ...sign };
  if (sign.unsignedImage !== undefined) {
    const image = renderImageReference(sign.unsignedImage, context);
    if (!image.ok) return invalidTemplate('sign.unsignedImage', image.reason);
    rendered.unsignedImage = image.value;
  }
  if (sign.filesToSign !== undefined) {
    const files: string[] = [];
    for (const [i, file] of sign.filesToSign.entries()) {
      const value = renderBuildValue(file, context);
      if (!value.ok) return invalidTemplate(`sign.filesToSign[${i}]`, value.reason);
      files.push(value.value);
    }
    rendered.filesToSign = files;
  }
  return { ok: true, sign: rendered };
}

/**
 * Upstream: the container's `inTreeModulesToRemove`, replaced by the mapping's when the mapping sets the field (even
 * to `[]`); then the deprecated singular field (the mapping's when non-empty, else the container's), when set,
 * becomes the whole list.
 */
function resolveInTreeModules(container: ModuleLoaderContainerSpec, mapping: KernelMapping): string[] | undefined {
  const singular =
    (mapping.inTreeModuleToRemove ?? '') !== '' ? mapping.inTreeModuleToRemove : container.inTreeModuleToRemove;
  if (singular !== undefined && singular !== '') return [singular];
  const list = mapping.inTreeModulesToRemove ?? container.inTreeModulesToRemove;
  return list === undefined ? undefined : [...list];
}

function invalidTemplate(field: string, reason: string): { ok: false; problem: KernelMappingProblem; reason: string } {
  return { ok: false, problem: KERNEL_MAPPING_PROBLEM.InvalidTemplate, reason: `${field}: ${reason}` };
}

function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}
