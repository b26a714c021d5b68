/**
 * True conditions as a work agent sets them on a ManifestWork (or one of its manifests) it applied, for that
 * generation: Applied and Available unless other types are asked for.
 */
export function workConditions(generation: number | undefined, types: string[] = ['Applied', 'Available']) {
  return types.map((type) => ({
    type,
    status: 'True',
    reason: type,
    message: '',
    lastTransitionTime: '2026-11-27T00:00:00Z',
    observedGeneration: generation,
  }));
}
