// Platform selection in manifest lists and OCI indexes (`linux/amd64`, `linux/arm64/v8`), with the default
// variants container runtimes assume (arm64 → v8, arm → v7).

import type { Descriptor, ImageIndex, Platform } from './manifest.js';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };

/** Parses `os/architecture[/variant]`; throws on any other shape. */
export function parsePlatform(text: string): PlatformSpec {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.length === 0)) {
    throw new Error(`platform "${text}" must be os/architecture[/variant]`);
  }
  const [os = '', architecture = '', variant] = parts;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(platform: PlatformSpec): string {
  return [platform.os, platform.architecture, platform.variant].filter((p) => p !== undefined).join('/');
}

export function platformMatches(candidate: Platform | undefined, wanted: PlatformSpec): boolean {
  if (candidate === undefined) return false;
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  const fallback = DEFAULT_VARIANT[wanted.architecture];
  const want = wanted.variant ?? fallback;
  const have = candidate.variant ?? fallback;
  return want === undefined || have === undefined || want === have;
}

/** The index entry for `platform`: an entry with the exact variant first, then the first compatible entry. */
export function selectPlatformManifest(index: ImageIndex, platform: PlatformSpec): Descriptor | undefined {
  const candidates = index.manifests.filter((d) => platformMatches(d.platform, platform));
  return candidates.find((d) => d.platform?.variant === platform.variant) ?? candidates[0];
}
