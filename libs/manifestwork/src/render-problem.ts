/** Why no ManifestWork (or trimmed Module) was rendered. Values are condition/event reasons (PascalCase). */
export const RENDER_PROBLEM = {
  /** The MCM has a module loader but none of the cluster's kernels has a published image yet. */
  NoKernelReady: 'NoKernelReady',
  /** An image handed in is not pinned to a digest (`repo@sha256:…`). */
  ImageNotPinned: 'ImageNotPinned',
  /** `spec.moduleSpec` is missing. */
  MissingModuleSpec: 'MissingModuleSpec',
  /** A name the ManifestWork or the spoke Module is built from breaks a Kubernetes, OCM or KMM limit. */
  InvalidName: 'InvalidName',
  /** The manifests exceed the OCM hub webhook's limit. */
  ManifestsTooLarge: 'ManifestsTooLarge',
} as const;
export type RenderProblem = (typeof RENDER_PROBLEM)[keyof typeof RENDER_PROBLEM];

export type RenderFailure = { ok: false; problem: RenderProblem; reason: string };
