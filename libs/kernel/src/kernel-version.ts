/**
 * Kernel release strings (`uname -r`, `node.status.nodeInfo.kernelVersion`) and the pieces KMM derives from them.
 *
 * Upstream facts (kubernetes-sigs/kernel-module-management, `internal/kernel/kernel.go`,
 * `internal/utils/replaceStrings.go`):
 * - the node reports the kernel as is; consumers remove ONE trailing `+` (`strings.TrimSuffix(k, "+")`);
 * - the "normalized" kernel replaces every character outside `[A-Za-z0-9._-]` by `_` (image-tag safe);
 * - the components are `regexp.MustCompile("[.,-]").Split(normalized, -1)`; fewer than 3 parts is an error
 *   ("expected at least three components"), empty parts are kept (`5..1` is X=5, Y="", Z=1);
 * - `KERNEL_XYZ` joins the first three parts with `.`, so `6-1-0` gives `6.1.0`.
 * We keep exactly these rules so that a spoke running upstream KMM derives the same values as the hub.
 */

/** What a kernel release is split on: Go `[.,-]` (a `,` never survives normalization, but upstream lists it). */
const COMPONENT_SEPARATOR = /[.,-]/;

const MIN_COMPONENTS = 3;

export interface KernelVersion {
  /** The kernel as given (trailing `+` already removed by the caller); the literal a spoke mapping matches. */
  readonly kernel: string;
  /** `kernel` with every character outside `[A-Za-z0-9._-]` replaced by `_`. */
  readonly normalized: string;
  readonly x: string;
  readonly y: string;
  readonly z: string;
  /** `x.y.z`. */
  readonly xyz: string;
  /** The normalized text after the third component and the separator that follows it; `''` when there is none. */
  readonly rest: string;
}

export type KernelVersionParseResult = { ok: true; version: KernelVersion } | { ok: false; reason: string };

/** Removes one trailing `+` (Raspberry Pi kernels report `6.1.21-v8+`), as every upstream consumer does. */
export function trimKernelSuffix(kernel: string): string {
  return kernel.endsWith('+') ? kernel.slice(0, -1) : kernel;
}

/** Replaces every character outside `[A-Za-z0-9._-]` by `_`, per code point (upstream `NormalizeVersion`). */
export function normalizeKernelVersion(kernel: string): string {
  let out = '';
  for (const ch of kernel) out += /^[A-Za-z0-9._-]$/.test(ch) ? ch : '_';
  return out;
}

/**
 * DNS-label-safe form (upstream `DNSSafeKernelVersion`): normalized, lower-cased, `_` and `.` turned into `-`,
 * leading and trailing `-` trimmed. `5.14.0-427.13.1.el9_4.x86_64` → `5-14-0-427-13-1-el9-4-x86-64`.
 */
export function dnsSafeKernelVersion(kernel: string): string {
  return normalizeKernelVersion(kernel)
    .toLowerCase()
    .replace(/[_.]/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Splits a kernel release (trailing `+` already removed) into X, Y, Z and the rest, with upstream's rules.
 * `6.1` and `test` are rejected (fewer than three components), as upstream rejects them for every mapping.
 */
export function parseKernelVersion(kernel: string): KernelVersionParseResult {
  if (kernel === '') return { ok: false, reason: 'kernel version is empty' };
  const normalized = normalizeKernelVersion(kernel);
  const parts: string[] = [];
  let rest = '';
  let from = 0;
  for (;;) {
    const tail = normalized.slice(from);
    const match = COMPONENT_SEPARATOR.exec(tail);
    if (match === null) {
      parts.push(tail);
      break;
    }
    parts.push(tail.slice(0, match.index));
    from += match.index + 1;
    if (parts.length === MIN_COMPONENTS) {
      rest = normalized.slice(from);
      break;
    }
  }
  const [x, y, z] = parts;
  if (x === undefined || y === undefined || z === undefined) {
    return {
      ok: false,
      reason: `invalid kernel version "${kernel}": expected at least three components (major.minor.patch) separated by ".", "," or "-"`,
    };
  }
  return { ok: true, version: { kernel, normalized, x, y, z, xyz: `${x}.${y}.${z}`, rest } };
}
