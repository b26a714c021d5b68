import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKustomization } from '../../deploy/scripts/kustomize.mjs';

const object = (kind: string, name: string, namespace?: string) =>
  `apiVersion: ${kind === 'Deployment' ? 'apps/v1' : 'v1'}\nkind: ${kind}\nmetadata:\n  name: ${name}\n` +
  (namespace ? `  namespace: ${namespace}\n` : '');

const kustomization = (resources: string[], extra = '') =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${extra}resources:\n` +
  resources.map((r) => `  - ${r}\n`).join('');

describe('loadKustomization', () => {
  let dir: string;
  const write = async (path: string, text: string) => {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kmm-kustomize-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders files and sibling bases in kustomize order, remembering where each object came from', async () => {
    await write('base/kustomization.yaml', kustomization(['app.yaml', 'ns.yaml']));
    await write('base/app.yaml', `${object('Deployment', 'b', 'x')}---\n${object('ConfigMap', 'c', 'x')}`);
    await write('base/ns.yaml', object('Namespace', 'x'));
    await write('overlay/kustomization.yaml', kustomization(['../base', 'extra.yaml']));
    await write('overlay/extra.yaml', `${object('Deployment', 'a', 'x')}---\n`);

    const sut = await loadKustomization(join(dir, 'overlay'));

    expect(sut.map((r) => `${r.object.kind}/${r.object.metadata.name}`)).toEqual([
      'Namespace/x',
      'ConfigMap/c',
      'Deployment/a',
      'Deployment/b',
    ]);
    expect(sut[0]!.source.endsWith('base/ns.yaml')).toBe(true);
  });

  it.each([
    ['a field it does not implement', kustomization(['a.yaml'], 'namespace: other\n'), /unsupported fields namespace/],
    ['a missing file', kustomization(['missing.yaml']), /resource missing.yaml does not exist/],
    ['a file outside the folder', kustomization(['../elsewhere.yaml']), /outside the kustomization's folder/],
    ['its own parent folder', kustomization(['..']), /cycle/],
    ['a remote base', kustomization(['https://example.com/base']), /not a local path/],
    ['the same object twice', kustomization(['a.yaml', 'b.yaml']), /defined twice/],
  ])('refuses %s', async (_what, text, error) => {
    await write('k/kustomization.yaml', text);
    await write('k/a.yaml', object('ConfigMap', 'same', 'x'));
    await write('k/b.yaml', object('ConfigMap', 'same', 'x'));
    await write('elsewhere.yaml', object('ConfigMap', 'e', 'x'));
    await write('kustomization.yaml', kustomization(['k']));

    await expect(loadKustomization(join(dir, 'k'))).rejects.toThrow(error);
  });
});
