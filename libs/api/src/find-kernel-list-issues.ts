import type { ValidationIssue } from './validation-result.js';

/** Longest kernel string the CRDs accept (a kernel release is at most 64 bytes; room for vendor suffixes). */
export const MAX_KERNEL_LENGTH = 256;

/**
 * Problems with a list of kernel strings (`spec.upcomingKernels`, `spec.kernelVersions`): each must be a non-empty
 * kernel release without whitespace (as `uname -r` prints it; a trailing `+` is allowed and removed when used),
 * and none may be listed twice, counting a trailing `+` as the same kernel.
 */
export function findKernelListIssues(kernels: readonly unknown[], at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, number>();
  kernels.forEach((value, index) => {
    const path = `${at}[${index}]`;
    if (typeof value !== 'string') {
      issues.push({ path, message: `must be a string, got ${JSON.stringify(value)}` });
      return;
    }
    const issue = findKernelIssue(value);
    if (issue !== undefined) {
      issues.push({ path, message: issue });
      return;
    }
    const key = value.endsWith('+') ? value.slice(0, -1) : value;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ path, message: `${JSON.stringify(value)} is listed twice (first at ${at}[${first}])` });
      return;
    }
    seen.set(key, index);
  });
  return issues;
}

/** Why one kernel string is not a kernel release, or undefined when it is one. */
export function findKernelIssue(value: string): string | undefined {
  if (value.trim() === '') return `must be a kernel release such as 6.8.0-49-generic, got ${JSON.stringify(value)}`;
  if (/\s/.test(value)) return `${JSON.stringify(value)} contains whitespace; a kernel release (uname -r) has none`;
  if (value.length > MAX_KERNEL_LENGTH) return `must be at most ${MAX_KERNEL_LENGTH} characters, it is ${value.length}`;
  return undefined;
}
