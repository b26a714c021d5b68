import { describe, expect, it } from 'vitest';
import { newManagedClusterModule, type ModuleSpecWithLoader } from './object-factories.js';
import type { ManagedClusterModule } from './types.js';
import { validateManagedClusterModule } from './validate-managed-cluster-module.js';
import type { ValidationIssue } from './validation-result.js';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelKey, checkLabelValue } from './kubernetes-names.js';

const CONTAINER = 'spec.moduleSpec.moduleLoader.container';
// The apimachinery texts that end some messages; kubernetes-names.spec.ts proves them against the API server's.
const LABEL_VALUE_ERROR = checkLabelValue('a b').join('; ');
const TWO_SLASHES_KEY_ERROR = checkLabelKey('a/b/c').join('; ');
const SPACE_KEY_ERROR = checkLabelKey('a b').join('; ');
const DOT_KEY_ERROR = checkLabelKey('a.').join('; ');
const SUBDOMAIN_ERROR = checkDns1123Subdomain('Bad').join('; ');
const NAMESPACE_DOTS_ERROR = checkDns1123Label('kmm.system').join('; ');
type Mcm = ReturnType<typeof newManagedClusterModule>;

/** A valid object changed by `change`; each row of the tables below breaks one rule. */
function mcmWith(change: (mcm: Mcm, moduleSpec: ModuleSpecWithLoader) => void): ManagedClusterModule {
  const mcm = newManagedClusterModule();
  change(mcm, mcm.spec.moduleSpec);
  return mcm;
}

describe('validateManagedClusterModule', () => {
  it('accepts the factory object, shaped like the upstream hub e2e one', () => {
    expect(validateManagedClusterModule(newManagedClusterModule())).toEqual({ ok: true });
  });

  it.each<[string, (mcm: Mcm, spec: ModuleSpecWithLoader) => void]>([
    ['an empty selector, which selects every cluster', (m) => (m.spec.selector = {})],
    [
      'no moduleLoader (device plugin only)',
      (_, s) => Object.assign(s, { moduleLoader: undefined, devicePlugin: { container: { image: 'dp:1' } } }),
    ],
    [
      'rawArgs without moduleName',
      (_, s) => (s.moduleLoader.container.modprobe = { rawArgs: { load: ['-v', 'a'], unload: ['-rv', 'a'] } }),
    ],
    [
      'a literal mapping without image when the container has one',
      (_, s) =>
        Object.assign(s.moduleLoader.container, {
          containerImage: 'reg/img:${KERNEL_FULL_VERSION}',
          kernelMappings: [{ literal: '6.8.0', containerImage: '' }],
        }),
    ],
    [
      'a registry port as the only colon (upstream quirk)',
      (_, s) => (s.moduleLoader.container.kernelMappings = [{ literal: '6.8.0', containerImage: 'host:5000/img' }]),
    ],
    [
      'a digest',
      (_, s) =>
        (s.moduleLoader.container.kernelMappings = [{ literal: '6.8.0', containerImage: 'reg/img@sha256:abc' }]),
    ],
    [
      'a valid loading order',
      (_, s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', modulesLoadingOrder: ['a', 'b', 'c'] }),
    ],
    [
      'files to sign under a custom dirName',
      (_, s) =>
        Object.assign(s.moduleLoader.container, {
          modprobe: { moduleName: 'a', dirName: '/bin' },
          sign: { keySecret: { name: 'k' }, certSecret: { name: 'c' }, filesToSign: ['/bin/getconf'] },
          kernelMappings: [{ literal: '6.8.0', containerImage: 'i:1' }],
        }),
    ],
    [
      'a hostPath under /var after cleaning',
      (_, s) =>
        (s.devicePlugin = {
          container: { image: 'dp:1' },
          volumes: [{ name: 'v', hostPath: { path: '/var/lib/../run/x/' } }],
        }),
    ],
    ['a toleration of every taint', (_, s) => (s.tolerations = [{ operator: 'Exists' }])],
    [
      'a NoExecute toleration with seconds',
      (_, s) => (s.tolerations = [{ key: 'k', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 }]),
    ],
    [
      'a 41-byte name and namespace together',
      (m) =>
        Object.assign(m, { metadata: { name: 'a'.repeat(20) }, spec: { ...m.spec, spokeNamespace: 'b'.repeat(21) } }),
    ],
    [
      'a clusterSelector with every operator',
      (m) =>
        (m.spec.clusterSelector = {
          matchLabels: { a: 'b' },
          matchExpressions: [
            { key: 'k', operator: 'In', values: ['v'] },
            { key: 'k', operator: 'NotIn', values: ['v'] },
            { key: 'k', operator: 'Exists' },
            { key: 'k', operator: 'DoesNotExist' },
          ],
        }),
    ],
  ])('accepts %s', (_, change) => {
    const sut = mcmWith(change);

    expect(validateManagedClusterModule(sut)).toEqual({ ok: true });
  });

  it.each<[string, (mcm: Mcm, spec: ModuleSpecWithLoader) => void, ValidationIssue[]]>([
    // ManagedClusterModule fields (upstream checks none of them on the hub)
    ['no spec', (m) => Object.assign(m, { spec: undefined }), [{ path: 'spec', message: 'required' }]],
    [
      'no moduleSpec',
      (m) => Object.assign(m.spec, { moduleSpec: undefined }),
      [{ path: 'spec.moduleSpec', message: 'required' }],
    ],
    ['no spokeNamespace', (m) => (m.spec.spokeNamespace = ''), [{ path: 'spec.spokeNamespace', message: 'required' }]],
    [
      'a spokeNamespace with dots',
      (m) => (m.spec.spokeNamespace = 'kmm.system'),
      [{ path: 'spec.spokeNamespace', message: `"kmm.system" is not a namespace name: ${NAMESPACE_DOTS_ERROR}` }],
    ],
    [
      'no selector',
      (m) => Object.assign(m.spec, { selector: undefined }),
      [{ path: 'spec.selector', message: 'required; {} selects every ManagedCluster' }],
    ],
    [
      'a selector value with a space',
      (m) => (m.spec.selector = { name: 'mini kube' }),
      [{ path: 'spec.selector[name]', message: `invalid value "mini kube": ${LABEL_VALUE_ERROR}` }],
    ],
    [
      'an empty upcoming kernel',
      (m) => (m.spec.upcomingKernels = ['6.8.0-49-generic', '']),
      [
        {
          path: 'spec.upcomingKernels[1]',
          message: 'must be a kernel release such as 6.8.0-49-generic, got ""',
        },
      ],
    ],
    [
      'an upcoming kernel with a newline',
      (m) => (m.spec.upcomingKernels = ['5.14.0-427.13.1.el9_4.x86_64\n6.1.0-28-amd64']),
      [
        {
          path: 'spec.upcomingKernels[0]',
          message:
            '"5.14.0-427.13.1.el9_4.x86_64\\n6.1.0-28-amd64" contains whitespace; a kernel release (uname -r) has none',
        },
      ],
    ],
    [
      'an upcoming kernel twice, once with the trailing +',
      (m) => (m.spec.upcomingKernels = ['6.1.0-28-amd64', '6.8.0-49-generic', '6.1.0-28-amd64+']),
      [
        {
          path: 'spec.upcomingKernels[2]',
          message: '"6.1.0-28-amd64+" is listed twice (first at spec.upcomingKernels[0])',
        },
      ],
    ],
    [
      'a selector key with two slashes',
      (m) => (m.spec.selector = { 'a/b/c': 'x' }),
      [{ path: 'spec.selector[a/b/c]', message: `invalid key "a/b/c": ${TWO_SLASHES_KEY_ERROR}` }],
    ],
    [
      'a 64-byte name',
      (m) => (m.metadata.name = 'a'.repeat(64)),
      [
        {
          path: 'metadata.name',
          message:
            'must be no more than 63 bytes, it is 64: it is the value of the label kmm.node.kubernetes.io/managedclustermodule.name on every ManifestWork',
        },
        {
          path: 'spec.spokeNamespace',
          message:
            'metadata.name and spec.spokeNamespace are 83 bytes together; a KMM spoke rejects a Module whose name and namespace exceed 41',
        },
      ],
    ],
    [
      'a 42-byte name and namespace together',
      (m) =>
        Object.assign(m, { metadata: { name: 'a'.repeat(21) }, spec: { ...m.spec, spokeNamespace: 'b'.repeat(21) } }),
      [
        {
          path: 'spec.spokeNamespace',
          message:
            'metadata.name and spec.spokeNamespace are 42 bytes together; a KMM spoke rejects a Module whose name and namespace exceed 41',
        },
      ],
    ],
    [
      'In without values',
      (m) => (m.spec.clusterSelector = { matchExpressions: [{ key: 'k', operator: 'In' }] }),
      [
        {
          path: 'spec.clusterSelector.matchExpressions[0].values',
          message: "must be specified when `operator` is 'In' or 'NotIn'",
        },
      ],
    ],
    [
      'Exists with values',
      (m) => (m.spec.clusterSelector = { matchExpressions: [{ key: 'k', operator: 'Exists', values: ['v'] }] }),
      [
        {
          path: 'spec.clusterSelector.matchExpressions[0].values',
          message: `may not be specified when \`operator\` is 'Exists' or 'DoesNotExist', found ["v"]`,
        },
      ],
    ],
    [
      'an unknown operator',
      (m) => (m.spec.clusterSelector = { matchExpressions: [{ key: 'k', operator: 'Gt', values: ['1'] }] }),
      [
        {
          path: 'spec.clusterSelector.matchExpressions[0].operator',
          message: 'unsupported operator "Gt": supported values are "In", "NotIn", "Exists" and "DoesNotExist"',
        },
      ],
    ],
    [
      'a matchLabels key ending with a dot',
      (m) => (m.spec.clusterSelector = { matchLabels: { 'a.': 'b' } }),
      [{ path: 'spec.clusterSelector.matchLabels[a.]', message: `invalid key "a.": ${DOT_KEY_ERROR}` }],
    ],

    [
      'a requirement key and value that are no label key and value',
      (m) => (m.spec.clusterSelector = { matchExpressions: [{ key: 'a b', operator: 'In', values: ['ok', 'x y'] }] }),
      [
        { path: 'spec.clusterSelector.matchExpressions[0].key', message: `invalid key "a b": ${SPACE_KEY_ERROR}` },
        {
          path: 'spec.clusterSelector.matchExpressions[0].values[1]',
          message: `invalid value "x y": ${LABEL_VALUE_ERROR}`,
        },
      ],
    ],

    // kernel mappings (upstream rule 6)
    [
      'regexp and literal together',
      (_, s) => (s.moduleLoader.container.kernelMappings = [{ regexp: '^6', literal: '6.8.0', containerImage: 'i:1' }]),
      [{ path: `${CONTAINER}.kernelMappings[0]`, message: 'regexp "^6" and literal "6.8.0" are mutually exclusive' }],
    ],
    [
      'neither regexp nor literal',
      (_, s) => (s.moduleLoader.container.kernelMappings = [{ containerImage: 'i:1' }]),
      [{ path: `${CONTAINER}.kernelMappings[0]`, message: 'one of regexp and literal is required' }],
    ],
    [
      'an unclosed group',
      (_, s) => (s.moduleLoader.container.kernelMappings = [{ regexp: '(', containerImage: 'i:1' }]),
      [
        {
          path: `${CONTAINER}.kernelMappings[0].regexp`,
          message: '"(" is not a valid RE2 regular expression: error parsing regexp: missing closing ): `(`',
        },
      ],
    ],
    [
      'a lookahead, which RE2 lacks',
      (_, s) => (s.moduleLoader.container.kernelMappings = [{ regexp: '^5(?=\\.14)', containerImage: 'i:1' }]),
      [
        {
          path: `${CONTAINER}.kernelMappings[0].regexp`,
          message:
            '"^5(?=\\.14)" is not a valid RE2 regular expression: error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
        },
      ],
    ],
    [
      'a backreference, which RE2 lacks',
      (_, s) => (s.moduleLoader.container.kernelMappings = [{ regexp: '(a)\\1', containerImage: 'i:1' }]),
      [
        {
          path: `${CONTAINER}.kernelMappings[0].regexp`,
          message:
            '"(a)\\1" is not a valid RE2 regular expression: error parsing regexp: invalid escape sequence: `\\1`',
        },
      ],
    ],
    [
      'no image anywhere',
      (_, s) => (s.moduleLoader.container.kernelMappings = [{ literal: '6.8.0', containerImage: '' }]),
      [
        {
          path: `${CONTAINER}.kernelMappings[0].containerImage`,
          message: 'must be set when the container has no containerImage (both are empty)',
        },
      ],
    ],
    [
      'a mapping image without tag or digest',
      (_, s) => (s.moduleLoader.container.kernelMappings = [{ literal: '6.8.0', containerImage: 'registry/img' }]),
      [
        {
          path: `${CONTAINER}.kernelMappings[0].containerImage`,
          message: 'image "registry/img" must set a tag or a digest',
        },
      ],
    ],
    [
      'a container image without tag or digest',
      (_, s) => (s.moduleLoader.container.containerImage = 'registry/img'),
      [{ path: `${CONTAINER}.containerImage`, message: 'image "registry/img" must set a tag or a digest' }],
    ],
    [
      'both in-tree fields on the container',
      (_, s) => Object.assign(s.moduleLoader.container, { inTreeModuleToRemove: 'a', inTreeModulesToRemove: [] }),
      [
        {
          path: `${CONTAINER}.inTreeModuleToRemove`,
          message: '"a" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove',
        },
      ],
    ],
    [
      'both in-tree fields on a mapping',
      (_, s) =>
        (s.moduleLoader.container.kernelMappings = [
          { literal: '6.8.0', containerImage: 'i:1', inTreeModuleToRemove: 'a', inTreeModulesToRemove: ['b'] },
        ]),
      [
        {
          path: `${CONTAINER}.kernelMappings[0].inTreeModuleToRemove`,
          message: '"a" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove',
        },
      ],
    ],
    [
      'the deprecated field on the container and the new one on a mapping',
      (_, s) =>
        Object.assign(s.moduleLoader.container, {
          inTreeModuleToRemove: 'a',
          kernelMappings: [{ literal: '6.8.0', containerImage: 'i:1', inTreeModulesToRemove: ['b'] }],
        }),
      [
        {
          path: `${CONTAINER}.kernelMappings[0]`,
          message:
            'the container sets the deprecated inTreeModuleToRemove "a" and this kernel mapping inTreeModulesToRemove; use inTreeModulesToRemove in both',
        },
      ],
    ],

    [
      'the new in-tree field on the container and the deprecated one on a mapping',
      (_, s) =>
        Object.assign(s.moduleLoader.container, {
          inTreeModulesToRemove: ['a'],
          kernelMappings: [{ literal: '6.8.0', containerImage: 'i:1', inTreeModuleToRemove: 'old' }],
        }),
      [
        {
          path: `${CONTAINER}.kernelMappings[0]`,
          message:
            'the container sets inTreeModulesToRemove and this kernel mapping the deprecated inTreeModuleToRemove "old"; use inTreeModulesToRemove in both',
        },
      ],
    ],

    // modprobe (upstream rule 7)
    [
      'rawArgs with moduleName',
      (_, s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', rawArgs: { load: ['a'] } }),
      [{ path: `${CONTAINER}.modprobe.rawArgs`, message: 'must not be set when moduleName is set ("a")' }],
    ],
    [
      'neither moduleName nor both rawArgs',
      (_, s) => (s.moduleLoader.container.modprobe = { rawArgs: { load: ['a'] } }),
      [
        {
          path: `${CONTAINER}.modprobe.moduleName`,
          message: 'required unless both rawArgs.load and rawArgs.unload are set',
        },
      ],
    ],
    [
      'a loading order of one module',
      (_, s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', modulesLoadingOrder: ['a'] }),
      [
        {
          path: `${CONTAINER}.modprobe.modulesLoadingOrder`,
          message: 'must list at least two modules, found only "a"',
        },
      ],
    ],
    [
      'an empty loading order',
      (_, s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', modulesLoadingOrder: [] }),
      [{ path: `${CONTAINER}.modprobe.modulesLoadingOrder`, message: 'must list at least two modules, found none' }],
    ],
    [
      'a loading order not starting with moduleName',
      (_, s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', modulesLoadingOrder: ['b', 'a'] }),
      [
        {
          path: `${CONTAINER}.modprobe.modulesLoadingOrder`,
          message: 'must start with moduleName "a", found "b"',
        },
      ],
    ],
    [
      'a loading order with a duplicate',
      (_, s) => (s.moduleLoader.container.modprobe = { moduleName: 'a', modulesLoadingOrder: ['a', 'b', 'b'] }),
      [{ path: `${CONTAINER}.modprobe.modulesLoadingOrder[2]`, message: 'duplicate module "b"' }],
    ],
    [
      'a loading order without moduleName',
      (_, s) =>
        (s.moduleLoader.container.modprobe = {
          rawArgs: { load: ['a'], unload: ['a'] },
          modulesLoadingOrder: ['a', 'b'],
        }),
      [{ path: `${CONTAINER}.modprobe.modulesLoadingOrder`, message: 'requires moduleName, which is empty' }],
    ],

    // filesToSign (upstream rule 8)
    [
      'a sign section without files',
      (_, s) => (s.moduleLoader.container.sign = { keySecret: { name: 'k' }, certSecret: { name: 'c' } }),
      [{ path: `${CONTAINER}.sign.filesToSign`, message: 'required when sign is set' }],
    ],
    [
      'a file outside dirName',
      (_, s) =>
        (s.moduleLoader.container.kernelMappings = [
          {
            literal: '6.8.0',
            containerImage: 'i:1',
            sign: { keySecret: { name: 'k' }, certSecret: { name: 'c' }, filesToSign: ['/opt/a.ko', '/optx/b.ko'] },
          },
        ]),
      [
        {
          path: `${CONTAINER}.kernelMappings[0].sign.filesToSign[1]`,
          message: '"/optx/b.ko" must be under modprobe.dirName "/opt"',
        },
      ],
    ],
    [
      'files under the default dirName when dirName is /bin',
      (_, s) => (s.moduleLoader.container.modprobe = { moduleName: 'mod-example', dirName: '/bin' }),
      [
        {
          path: `${CONTAINER}.kernelMappings[0].sign.filesToSign[0]`,
          message: '"/opt/lib/modules/${KERNEL_FULL_VERSION}/mod_example.ko" must be under modprobe.dirName "/bin"',
        },
      ],
    ],

    // tolerations (upstream rule 2)
    [
      'a toleration key with a space',
      (_, s) => (s.tolerations = [{ key: 'a b', operator: 'Exists' }]),
      [{ path: 'spec.moduleSpec.tolerations[0].key', message: `invalid key "a b": ${SPACE_KEY_ERROR}` }],
    ],
    [
      'an empty key with Equal',
      (_, s) => (s.tolerations = [{ operator: 'Equal' }]),
      [
        {
          path: 'spec.moduleSpec.tolerations[0].operator',
          message: 'must be "Exists" when key is empty, found "Equal"',
        },
      ],
    ],
    [
      'tolerationSeconds without NoExecute',
      (_, s) => (s.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]),
      [
        {
          path: 'spec.moduleSpec.tolerations[0].effect',
          message: 'must be "NoExecute" when tolerationSeconds is set, found "NoSchedule"',
        },
      ],
    ],
    [
      'an Equal value that is no label value',
      (_, s) => (s.tolerations = [{ key: 'k', value: 'a b' }]),
      [
        {
          path: 'spec.moduleSpec.tolerations[0].value',
          message: `invalid value "a b" for operator "Equal": ${LABEL_VALUE_ERROR}`,
        },
      ],
    ],
    [
      'Exists with a value',
      (_, s) => (s.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]),
      [{ path: 'spec.moduleSpec.tolerations[0].value', message: 'must be empty when operator is "Exists", found "v"' }],
    ],
    // The CRD's enums refuse the next two on the API server; objects that never went through one may carry them.
    [
      'the Gt operator',
      (_, s) => (s.tolerations = [{ key: 'k', operator: 'Gt' as never, value: '1' }]),
      [
        {
          path: 'spec.moduleSpec.tolerations[0].operator',
          message: 'unsupported operator "Gt": supported values are "Equal" and "Exists"',
        },
      ],
    ],
    [
      'an unknown effect',
      (_, s) => (s.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSelect' as never }]),
      [
        {
          path: 'spec.moduleSpec.tolerations[0].effect',
          message:
            'unsupported effect "NoSelect": supported values are "NoSchedule", "PreferNoSchedule" and "NoExecute"',
        },
      ],
    ],

    // device plugin and DRA (upstream rules 3 and 4; the CRD's CEL rule)
    [
      'dra and devicePlugin together',
      (_, s) =>
        Object.assign(s, {
          devicePlugin: { container: { image: 'a:1' } },
          dra: { driverName: 'gpu.example.com', container: { image: 'b:1' } },
        }),
      [{ path: 'spec.moduleSpec', message: 'dra and devicePlugin are mutually exclusive: both are set' }],
    ],
    [
      'a DRA driver name with capitals',
      (_, s) => (s.dra = { driverName: 'GPU.example.com', container: { image: 'b:1' } }),
      [
        {
          path: 'spec.moduleSpec.dra.driverName',
          message: `"GPU.example.com" is not a DNS subdomain: ${SUBDOMAIN_ERROR}`,
        },
      ],
    ],
    [
      'an empty DRA driver name',
      (_, s) => (s.dra = { driverName: '', container: { image: 'b:1' } }),
      [{ path: 'spec.moduleSpec.dra.driverName', message: 'must not be empty' }],
    ],
    [
      'DeviceClasses without, with a bad and with a duplicate name',
      (_, s) =>
        (s.dra = {
          driverName: 'gpu.example.com',
          container: { image: 'b:1' },
          deviceClasses: [{ name: '' }, { name: 'Bad' }, { name: 'gpu' }, { name: 'gpu' }],
        }),
      [
        { path: 'spec.moduleSpec.dra.deviceClasses[0].name', message: 'must not be empty' },
        {
          path: 'spec.moduleSpec.dra.deviceClasses[1].name',
          message: `"Bad" is not a DNS subdomain: ${SUBDOMAIN_ERROR}`,
        },
        { path: 'spec.moduleSpec.dra.deviceClasses[3].name', message: 'duplicate DeviceClass name "gpu"' },
      ],
    ],
    [
      'a device plugin hostPath under /etc',
      (_, s) =>
        (s.devicePlugin = {
          container: { image: 'a:1' },
          volumes: [{ name: 'v', hostPath: { path: '/etc/kubernetes' } }],
        }),
      [
        {
          path: 'spec.moduleSpec.devicePlugin.volumes[0].hostPath.path',
          message:
            'hostPath "/etc/kubernetes" is not allowed; only /dev, /sys, /var, /opt and /run paths are permitted',
        },
      ],
    ],
    [
      'a DRA hostPath escaping /dev',
      (_, s) =>
        (s.dra = {
          driverName: 'gpu.example.com',
          container: { image: 'b:1' },
          volumes: [{ name: 'v', hostPath: { path: '/dev/../etc' } }],
        }),
      [
        {
          path: 'spec.moduleSpec.dra.volumes[0].hostPath.path',
          message: 'hostPath "/dev/../etc" is not allowed; only /dev, /sys, /var, /opt and /run paths are permitted',
        },
      ],
    ],
    [
      'a hostPath that only starts like /var',
      (_, s) =>
        (s.devicePlugin = { container: { image: 'a:1' }, volumes: [{ name: 'v', hostPath: { path: '/variable' } }] }),
      [
        {
          path: 'spec.moduleSpec.devicePlugin.volumes[0].hostPath.path',
          message: 'hostPath "/variable" is not allowed; only /dev, /sys, /var, /opt and /run paths are permitted',
        },
      ],
    ],
  ])('rejects %s', (_, change, expected) => {
    const sut = mcmWith(change);

    expect(validateManagedClusterModule(sut)).toEqual({ ok: false, issues: expected });
  });

  it('reports every issue at once, where upstream stops at the first', () => {
    const sut = mcmWith((m, s) => {
      m.spec.spokeNamespace = '';
      s.moduleLoader.container.kernelMappings = [{ regexp: '(', literal: 'x', containerImage: 'img' }];
    });

    expect(validateManagedClusterModule(sut)).toEqual({
      ok: false,
      issues: [
        { path: 'spec.spokeNamespace', message: 'required' },
        { path: `${CONTAINER}.kernelMappings[0]`, message: 'regexp "(" and literal "x" are mutually exclusive' },
        {
          path: `${CONTAINER}.kernelMappings[0].regexp`,
          message: '"(" is not a valid RE2 regular expression: error parsing regexp: missing closing ): `(`',
        },
        { path: `${CONTAINER}.kernelMappings[0].containerImage`, message: 'image "img" must set a tag or a digest' },
      ],
    });
  });

  it.each([
    ['1.0.0', []],
    ['v2_rc.1', []],
    [
      'v 2',
      [
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    ['x'.repeat(64), ['must be no more than 63 bytes']],
  ])('version %j is the value of node labels, so it must be a label value', (version, errors) => {
    const sut = mcmWith((_, s) => (s.moduleLoader.container.version = version));
    expect(validateManagedClusterModule(sut)).toEqual(
      errors.length === 0
        ? { ok: true }
        : {
            ok: false,
            issues: [
              {
                path: `${CONTAINER}.version`,
                message: `invalid value "${version}": must be a label value: ${errors.join('; ')}`,
              },
            ],
          },
    );
  });

  it.each([
    ['', '1.0.0', false],
    ['1.0.0', '', false],
    ['1.0.0', '1.1.0', true],
    ['', '', true],
  ])('on update, from version %j to %j, is ok: %s, naming both values', (before, after, ok) => {
    const old = mcmWith((_, s) => (s.moduleLoader.container.version = before));
    const sut = mcmWith((_, s) => (s.moduleLoader.container.version = after));

    const result = validateManagedClusterModule(sut, { old });

    expect(result).toEqual(
      ok
        ? { ok: true }
        : {
            ok: false,
            issues: [
              {
                path: `${CONTAINER}.version`,
                message: `cannot change from "${before}" to "${after}": version cannot change from empty to set or from set to empty; delete the object and create it again`,
              },
            ],
          },
    );
  });
});
