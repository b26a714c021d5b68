/** Why a kernel did not resolve to an image. Values are condition/event reasons (PascalCase). */
export const KERNEL_MAPPING_PROBLEM = {
  /** No mapping matches the kernel: the module does not target it (upstream `ErrNoMatchingKernelMapping`). */
  NoMatchingKernelMapping: 'NoMatchingKernelMapping',
  /** The spec has no `moduleLoader` (device plugin or DRA only): there is nothing to map. */
  NoModuleLoader: 'NoModuleLoader',
  /** A mapping reached before a match has a `regexp` that Go's RE2 would reject. */
  InvalidRegexp: 'InvalidRegexp',
  /** The kernel has fewer than three components (`6.1`), which upstream cannot render. */
  InvalidKernelVersion: 'InvalidKernelVersion',
  /** Neither the mapping nor the container sets `containerImage`, or it renders to an empty string. */
  MissingContainerImage: 'MissingContainerImage',
  /** A template has an unterminated `${`. */
  InvalidTemplate: 'InvalidTemplate',
} as const;
export type KernelMappingProblem = (typeof KERNEL_MAPPING_PROBLEM)[keyof typeof KERNEL_MAPPING_PROBLEM];
