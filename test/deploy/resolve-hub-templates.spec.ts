import { describe, expect, it } from 'vitest';
import { hasHubTemplate, resolveHubTemplates, type HubTemplateContext } from './resolve-hub-templates.js';

const hubSecrets: Record<string, Record<string, string>> = {
  'policies/edge-1-hub-kubeconfig': { kubeconfig: 'a3ViZWNvbmZpZw==' },
};
const ctx: HubTemplateContext = {
  managedClusterName: 'edge-1',
  readSecretKey: async (namespace, name, key) => hubSecrets[`${namespace}/${name}`]?.[key],
};

describe('resolveHubTemplates', () => {
  it.each([
    ['the cluster name', '{{hub .ManagedClusterName hub}}', 'edge-1'],
    ['the cluster name in base64', '{{hub .ManagedClusterName | base64enc hub}}', 'ZWRnZS0x'],
    [
      'a per-cluster Secret key',
      '{{hub fromSecret "policies" (printf "%s-hub-kubeconfig" .ManagedClusterName) "kubeconfig" hub}}',
      'a3ViZWNvbmZpZw==',
    ],
    [
      'a named Secret key',
      '{{hub fromSecret "policies" "edge-1-hub-kubeconfig" "kubeconfig" hub}}',
      'a3ViZWNvbmZpZw==',
    ],
    ['text around a template', 'name: {{hub .ManagedClusterName hub}}!', 'name: edge-1!'],
  ])('resolves %s', async (_what, template, resolved) => {
    expect(await resolveHubTemplates({ data: [template] }, ctx)).toEqual({ data: [resolved] });
  });

  it('fails on a Secret the hub does not have, as RHACM reports a template error', async () => {
    const sut = '{{hub fromSecret "policies" (printf "%s-other" .ManagedClusterName) "kubeconfig" hub}}';

    await expect(resolveHubTemplates(sut, ctx)).rejects.toThrow('Secret policies/edge-1-other has no key kubeconfig');
  });

  it('refuses expressions it does not model', async () => {
    await expect(resolveHubTemplates('{{hub .ManagedClusterLabels.env hub}}', ctx)).rejects.toThrow(
      'unsupported hub template expression',
    );
  });

  it('leaves managed-cluster templates and plain values alone', async () => {
    const sut = { a: '{{ fromSecret "x" "y" "z" }}', b: 3, c: null };

    expect(await resolveHubTemplates(sut, ctx)).toEqual(sut);
    expect(hasHubTemplate(sut)).toBe(false);
  });
});
