import { parseKernelVersion, type KernelVersion } from './kernel-version.js';
import { substitute, type SubstituteResult } from './substitute.js';

/** Every variable a template may use. There is no `KERNEL_XY` (upstream has none either). */
export const RENDER_VARIABLES = [
  'KERNEL_FULL_VERSION',
  'KERNEL_VERSION',
  'KERNEL_XYZ',
  'KERNEL_X',
  'KERNEL_Y',
  'KERNEL_Z',
  'MOD_NAME',
  'MOD_NAMESPACE',
] as const;
export type RenderVariable = (typeof RENDER_VARIABLES)[number];
export type RenderVariables = Readonly<Record<RenderVariable, string>>;

/**
 * The Module a rendering is for: on the hub ALWAYS the spoke Module the ManifestWork creates, i.e.
 * `{ name: mcm.metadata.name, namespace: mcm.spec.spokeNamespace }` (see `moduleIdentityOf`).
 *
 * Upstream renders the hub's image checks and builds with `MOD_NAMESPACE` = the operator namespace (the MIC's,
 * kubernetes-sigs/kernel-module-management internal/controllers/hub/managedclustermodule_reconciler.go) and
 * `MOD_NAME` = `<mcm>-<cluster>` (build args), but tells the spoke the image rendered with
 * `MOD_NAMESPACE` = spokeNamespace, so `$MOD_NAMESPACE` images are built under one path and pulled from another
 * (`managedClusterKernelMappings` in internal/manifestwork/manifestwork.go). Using the spoke Module's identity
 * everywhere makes the image the hub checks, builds and pins the same image a spoke running upstream KMM would compute
 * from the Module we send it.
 */
export interface ModuleIdentity {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The one rendering context per (module, kernel). It carries two views of the same values, because the kernel
 * string has two legitimate spellings upstream:
 * - `image`: for image references (`containerImage`, `sign.unsignedImage`). `KERNEL_FULL_VERSION` and
 *   `KERNEL_VERSION` are the NORMALIZED kernel (`[^A-Za-z0-9._-]` → `_`), which is what upstream substitutes and what
 *   an image tag may contain.
 * - `build`: for what runs inside the image build and sign (build-arg values, the forced build args the Dockerfile's
 *   `ARG`s receive, `sign.filesToSign`). `KERNEL_FULL_VERSION` and `KERNEL_VERSION` are the kernel AS REPORTED,
 *   because it names `/lib/modules/<kernel>`; upstream forces exactly that value into the build args.
 * `KERNEL_XYZ`, `KERNEL_X/Y/Z`, `MOD_NAME`, `MOD_NAMESPACE` are identical in both views. The two views differ only
 * for kernels with characters outside `[A-Za-z0-9._-]` (e.g. `6.6.31+rpt-rpi-v8`).
 */
export interface RenderContext {
  readonly module: ModuleIdentity;
  readonly kernel: KernelVersion;
  readonly image: RenderVariables;
  readonly build: RenderVariables;
}

export type RenderContextResult = { ok: true; context: RenderContext } | { ok: false; reason: string };

/** `kernel` must already have its trailing `+` removed (`trimKernelSuffix`, `parseKernelClaim`). */
export function newRenderContext(module: ModuleIdentity, kernel: string): RenderContextResult {
  const parsed = parseKernelVersion(kernel);
  if (!parsed.ok) return parsed;
  const version = parsed.version;
  const shared = {
    KERNEL_XYZ: version.xyz,
    KERNEL_X: version.x,
    KERNEL_Y: version.y,
    KERNEL_Z: version.z,
    MOD_NAME: module.name,
    MOD_NAMESPACE: module.namespace,
  };
  return {
    ok: true,
    context: {
      module: { name: module.name, namespace: module.namespace },
      kernel: version,
      image: Object.freeze({ KERNEL_FULL_VERSION: version.normalized, KERNEL_VERSION: version.normalized, ...shared }),
      build: Object.freeze({ KERNEL_FULL_VERSION: version.kernel, KERNEL_VERSION: version.kernel, ...shared }),
    },
  };
}

/** Renders an image reference (`containerImage`, `sign.unsignedImage`). */
export function renderImageReference(template: string, context: RenderContext): SubstituteResult {
  return substitute(template, context.image);
}

/** Renders a value used inside the build or sign step (build-arg values, `filesToSign` entries). */
export function renderBuildValue(template: string, context: RenderContext): SubstituteResult {
  return substitute(template, context.build);
}

/**
 * The build args forced over the user's (same names as upstream's build resource, same precedence: they replace a
 * user arg of the same name). `MOD_NAME`/`MOD_NAMESPACE` are the spoke Module's identity, not upstream's
 * `<mcm>-<cluster>` in the operator namespace, so a build is the same for every cluster on that kernel.
 */
export function forcedBuildArgs(context: RenderContext): { name: RenderVariable; value: string }[] {
  return [
    { name: 'KERNEL_VERSION', value: context.build.KERNEL_VERSION },
    { name: 'KERNEL_FULL_VERSION', value: context.build.KERNEL_FULL_VERSION },
    { name: 'MOD_NAME', value: context.build.MOD_NAME },
    { name: 'MOD_NAMESPACE', value: context.build.MOD_NAMESPACE },
  ];
}
