import { describe, expect, it } from 'vitest';
import type { BuildahOptions } from '../image-queues/images.options.js';
import type { BuildSpec } from './build-executor.js';
import {
  baseImageRegistries,
  buildahBuildArgs,
  buildahPushArgs,
  buildahRemoveArgs,
  isRefusal,
  parseBuildahStep,
  type BuildahPaths,
} from './buildah-args.js';

const SPEC: BuildSpec = {
  jobId: 'abc',
  target: '127.0.0.1:5000/kmm/gpu:1',
  kernel: '6.1.0-56-amd64',
  dockerfileConfigMap: 'df',
  buildArgs: [{ name: 'KERNEL_VERSION', value: '6.1.0-56-amd64' }],
  secrets: ['token'],
  baseImageRegistryTLS: { insecure: true, insecureSkipTLSVerify: false },
  registryTLS: { insecure: false, insecureSkipTLSVerify: false },
  labels: { 'hub.kmm.sigs.x-k8s.io/image-job': 'abc' },
  annotations: { 'hub.kmm.sigs.x-k8s.io/inputs-hash': 'abc' },
};
const PATHS: BuildahPaths = {
  contextDir: '/t/context',
  dockerfile: '/t/context/Dockerfile',
  iidFile: '/t/iid',
  digestFile: '/t/digest',
  authFile: '/t/auth.json',
  secretDirs: new Map([['token', '/t/secrets/token']]),
};
const OPTIONS: BuildahOptions = {
  path: 'buildah',
  isolation: 'chroot',
  storageDriver: 'vfs',
  root: '/s/graph',
  runroot: '/s/run',
};

describe('buildahBuildArgs', () => {
  it('builds the Dockerfile alone, with build args, the job label, secrets as read-only mounts and the auth file', () => {
    expect(buildahBuildArgs(SPEC, PATHS, OPTIONS)).toEqual([
      '--root',
      '/s/graph',
      '--runroot',
      '/s/run',
      '--storage-driver',
      'vfs',
      'build',
      '--isolation',
      'chroot',
      '--timestamp',
      '0',
      '--layers=false',
      '--file',
      '/t/context/Dockerfile',
      '--iidfile',
      '/t/iid',
      '--tls-verify=false',
      '--authfile',
      '/t/auth.json',
      '--build-arg',
      'KERNEL_VERSION=6.1.0-56-amd64',
      '--label',
      'hub.kmm.sigs.x-k8s.io/image-job=abc',
      '--annotation',
      'hub.kmm.sigs.x-k8s.io/inputs-hash=abc',
      '--volume',
      '/t/secrets/token:/run/secrets/token:ro',
      '/t/context',
    ]);
  });

  it('verifies TLS unless the base image registry is insecure', () => {
    const secure = { ...SPEC, baseImageRegistryTLS: { insecure: false, insecureSkipTLSVerify: false } };
    expect(buildahBuildArgs(secure, PATHS, { path: 'buildah', isolation: 'chroot' })).not.toContain(
      '--tls-verify=false',
    );
  });

  it.each([
    [['quay.io'], false],
    [['quay.io', '127.0.0.1:5000'], true],
    [['10.0.0.7:5000'], true],
    [[], false],
  ])('with base registries %j turns TLS verification off: %s', (bases, off) => {
    const secure = { ...SPEC, baseImageRegistryTLS: { insecure: false, insecureSkipTLSVerify: false } };
    expect(buildahBuildArgs(secure, PATHS, OPTIONS, bases).includes('--tls-verify=false')).toBe(off);
  });

  it('refuses a secret that has no folder', () => {
    expect(() => buildahBuildArgs({ ...SPEC, secrets: ['other'] }, PATHS, OPTIONS)).toThrow(/other/);
  });
});

describe('buildahPushArgs', () => {
  it('pushes the built image id to the target and records the digest', () => {
    expect(
      buildahPushArgs(
        { ...SPEC, registryTLS: { insecure: true, insecureSkipTLSVerify: false } },
        'iid',
        PATHS,
        OPTIONS,
      ),
    ).toEqual([
      '--root',
      '/s/graph',
      '--runroot',
      '/s/run',
      '--storage-driver',
      'vfs',
      'push',
      '--digestfile',
      '/t/digest',
      '--tls-verify=false',
      '--authfile',
      '/t/auth.json',
      'iid',
      'docker://127.0.0.1:5000/kmm/gpu:1',
    ]);
    expect(buildahRemoveArgs('iid', { path: 'buildah', isolation: 'chroot' })).toEqual(['rmi', '--force', 'iid']);
  });
});

describe('buildahPushArgs TLS', () => {
  it.each([
    ['127.0.0.1:5000/kmm/gpu:1', false, true],
    ['[::1]:5000/kmm/gpu:1', false, true],
    ['172.20.0.3:5000/kmm/gpu:1', false, true],
    ['localhost/kmm/gpu:1', false, false],
    ['quay.io/kmm/gpu:1', false, false],
    ['quay.io/kmm/gpu:1', true, true],
  ])('pushes to %s (insecure %s) with --tls-verify=false: %s', (target, insecure, off) => {
    const spec = { ...SPEC, target, registryTLS: { insecure, insecureSkipTLSVerify: false } };
    expect(buildahPushArgs(spec, 'iid', PATHS, OPTIONS).includes('--tls-verify=false')).toBe(off);
  });
});

describe('baseImageRegistries', () => {
  it.each([
    ['FROM quay.io/a/b:1\n', [], ['quay.io']],
    ['FROM busybox\n', [], ['docker.io']],
    ['FROM scratch\nCOPY x /\n', [], []],
    ['FROM --platform=linux/amd64 127.0.0.1:5000/a:1 AS build\nFROM build\n', [], ['127.0.0.1:5000']],
    ['ARG BASE=quay.io/a:1\nFROM ${BASE}\n', [], ['quay.io']],
    ['ARG BASE=quay.io/a:1\nFROM $BASE\n', [{ name: 'BASE', value: '10.0.0.2:5000/a:1' }], ['10.0.0.2:5000']],
    ['FROM ${UNDECLARED}\n', [{ name: 'UNDECLARED', value: 'quay.io/a' }], []],
    ['from \\\n  localhost:5000/a:1\nfrom quay.io/b\n', [], ['localhost:5000', 'quay.io']],
  ])('reads %j', (dockerfile, args, expected) => {
    expect(baseImageRegistries(dockerfile, args)).toEqual(expected);
  });
});

describe('parseBuildahStep', () => {
  it.each([
    ['STEP 2/5: RUN make', { step: 2, of: 5 }],
    ['COMMIT', undefined],
  ])('reads %s', (line, expected) => {
    expect(parseBuildahStep(line)).toEqual(expected);
  });
});

describe('isRefusal', () => {
  it.each([
    ['Error: pushing image "x": writing blob: initiating layer upload: StatusCode: 405, Method not allowed', true],
    ['Error: creating build container: reading manifest 1 in r/x: unauthorized: authentication required', true],
    ['Error: pushing image "x": requested access to the resource is denied', true],
    ['/bin/sh: ./build.sh: Permission denied', false],
    ['Error: building at STEP "RUN false": while running runtime: exit status 1', false],
  ])('reads %s', (line, expected) => {
    expect(isRefusal(line)).toBe(expected);
  });
});
