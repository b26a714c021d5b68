import { describe, expect, it } from 'vitest';
import { ANNOTATIONS, newModule, type ModprobeSpec } from '@kmm-hub/api';
import { resolveKernelMapping } from '@kmm-hub/kernel';
import {
  MODULES_ORDER_MOUNT_PATH,
  devicePluginName,
  modprobeCommands,
  moduleLoaderName,
  modulesOrderSoftdep,
  renderModuleLoader,
  shellQuote,
} from './render-workloads.js';

describe('modprobeCommands', () => {
  it.each<[string, ModprobeSpec, string[] | undefined, { load: string[]; unload: string[] }]>([
    [
      'the plain case: exec, no shell',
      { moduleName: 'gpu', parameters: ['a=1', 'b=2'] },
      undefined,
      {
        load: ['modprobe', '-v', '-d', '/opt', 'gpu', 'a=1', 'b=2'],
        unload: ['modprobe', '-r', '-v', '-d', '/opt', 'gpu'],
      },
    ],
    [
      'dirName and args',
      { moduleName: 'gpu', dirName: '/mods', args: { load: ['--first-time'], unload: ['--wait=5000'] } },
      undefined,
      {
        load: ['modprobe', '-v', '-d', '/mods', '--first-time', 'gpu'],
        unload: ['modprobe', '-r', '-v', '-d', '/mods', '--wait=5000', 'gpu'],
      },
    ],
    [
      'rawArgs, passed unchanged',
      { moduleName: 'ignored', rawArgs: { load: ['-d', '/x', 'a'], unload: ['-rd', '/x', 'a'] } },
      undefined,
      { load: ['modprobe', '-d', '/x', 'a'], unload: ['modprobe', '-rd', '/x', 'a'] },
    ],
    [
      'modulesLoadingOrder: all unloaded in one call',
      { moduleName: 'a', modulesLoadingOrder: ['a', 'b', 'c'] },
      undefined,
      { load: ['modprobe', '-v', '-d', '/opt', 'a'], unload: ['modprobe', '-r', '-v', '-d', '/opt', 'a', 'b', 'c'] },
    ],
    [
      'in-tree modules removed first, through a shell',
      { moduleName: 'gpu' },
      ['nouveau'],
      {
        load: [
          '/bin/sh',
          '-c',
          'for m in nouveau; do if [ -d "/sys/module/$m" ]; then modprobe -r -v "$m"; fi; done && modprobe -v -d /opt gpu',
        ],
        unload: ['/bin/sh', '-c', 'modprobe -r -v -d /opt gpu'],
      },
    ],
  ])('%s', (_name, modprobe, inTree, expected) => {
    expect(modprobeCommands(modprobe, inTree)).toEqual(expected);
  });

  it('copies firmware before loading and removes its files after unloading, quoting what it must', () => {
    const sut = modprobeCommands(
      { moduleName: 'gpu', firmwarePath: "/fw dir/o'k", parameters: ['name=a b'] },
      undefined,
    );
    expect(sut.load).toEqual([
      '/bin/sh',
      '-c',
      `mkdir -p /var/lib/firmware && cp -r '/fw dir/o'\\''k'/. /var/lib/firmware/ && modprobe -v -d /opt gpu 'name=a b'`,
    ]);
    expect(sut.unload[2]).toBe(
      `modprobe -r -v -d /opt gpu && (cd '/fw dir/o'\\''k' && find . ! -type d) | while read -r f; do rm -f "/var/lib/firmware/$f"; done`,
    );
  });
});

describe('modulesOrderSoftdep', () => {
  it.each<[string[] | undefined, string | undefined]>([
    [undefined, undefined],
    [[], undefined],
    [['a', 'b'], 'softdep a pre: b\n'],
    // Upstream's own example (api/v1beta1/module_types.go): a needs b, b needs c; modprobe a loads c, b, a.
    [['a', 'b', 'c'], 'softdep a pre: b\nsoftdep b pre: c\n'],
  ])('%j → %j', (order, expected) => {
    expect(modulesOrderSoftdep(order)).toBe(expected);
  });
});

describe('renderModuleLoader', () => {
  const render = (modprobe: ModprobeSpec) => {
    const module = newModule({ metadata: { name: 'gpu', namespace: 'drivers', uid: 'u' } });
    module.spec.moduleLoader.container.modprobe = modprobe;
    const resolved = resolveKernelMapping({
      container: module.spec.moduleLoader.container,
      module: { name: 'gpu', namespace: 'drivers' },
      kernel: '6.1.0-13-amd64',
    });
    if (!resolved.ok) throw new Error(resolved.reason);
    return renderModuleLoader({
      module,
      mapping: resolved.mapping,
      kernelLabel: '6.1.0-13-amd64',
      serviceAccountName: undefined,
    });
  };

  it('hands the loading order to modprobe as a softdep file from a pod annotation, as upstream does', () => {
    const template = render({ moduleName: 'a', modulesLoadingOrder: ['a', 'b', 'c'] }).spec!.template;

    expect(template.metadata?.annotations).toEqual({
      [ANNOTATIONS.modulesOrder]: 'softdep a pre: b\nsoftdep b pre: c\n',
    });
    expect(template.spec?.volumes).toContainEqual({
      name: 'modules-order',
      downwardAPI: {
        items: [
          {
            path: 'softdep.conf',
            fieldRef: { fieldPath: "metadata.annotations['kmm.node.kubernetes.io/modules-order']" },
          },
        ],
      },
    });
    expect(template.spec?.containers[0]?.volumeMounts).toContainEqual({
      name: 'modules-order',
      mountPath: MODULES_ORDER_MOUNT_PATH,
      subPath: 'softdep.conf',
      readOnly: true,
    });
    // modprobe <moduleName> alone: the softdep lines make it load c and b first.
    expect(template.spec?.containers[0]?.lifecycle?.postStart?.exec?.command).toEqual([
      'modprobe',
      '-v',
      '-d',
      '/opt',
      'a',
    ]);
  });

  it('adds no annotation, volume or mount without a loading order', () => {
    const template = render({ moduleName: 'a' }).spec!.template;

    expect(template.metadata?.annotations).toBeUndefined();
    expect(template.spec?.volumes?.map((v) => v.name)).toEqual(['node-lib-modules']);
  });
});

describe('shellQuote', () => {
  it.each([
    ['plain-1.0', 'plain-1.0'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
  ])('%s → %s', (arg, expected) => {
    expect(shellQuote(arg)).toBe(expected);
  });
});

describe('names', () => {
  it('names a loader after the module and the DNS-safe kernel, hashing a long one into 63 characters', () => {
    expect(moduleLoaderName('gpu', '5.14.0-427.13.1.el9_4.x86_64')).toBe('gpu-5-14-0-427-13-1-el9-4-x86-64');
    const long = moduleLoaderName('gpu-driver', `5.14.0-427.13.1.el9_4.x86_64.${'debug.'.repeat(8)}extra`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^gpu-driver-5-14-0-427-13-1-el9-4-x86-64-debug[-a-z0-9]*-[0-9a-f]{10}$/);
    expect(moduleLoaderName('gpu-driver', `5.14.0-427.13.1.el9_4.x86_64.${'debug.'.repeat(8)}other`)).not.toBe(long);
    expect(devicePluginName('gpu')).toBe('gpu-device-plugin');
  });
});
