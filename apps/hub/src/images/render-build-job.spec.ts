import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { BuildSpec } from './build-executor.js';
import { buildJobIndex, buildJobName, builderImageFor, readBuildJobPhase, renderBuildJob } from './render-build-job.js';

const JOB_ID = '0123456789abcdef'.repeat(4);

function newSpec(overrides: Partial<BuildSpec> = {}): BuildSpec {
  return {
    jobId: JOB_ID,
    target: 'registry.example:5000/drivers/gpu:kmm-unsigned-0123',
    kernel: '6.1.0-56-amd64',
    dockerfileConfigMap: 'gpu-dockerfile',
    buildArgs: [
      { name: 'DRIVER_VERSION', value: '1.2 3' },
      { name: 'KERNEL_VERSION', value: '6.1.0-56-amd64' },
    ],
    secrets: ['token', 'ca'],
    imageRepoSecret: 'pull-secret',
    baseImageRegistryTLS: { insecure: true, insecureSkipTLSVerify: false },
    registryTLS: { insecure: false, insecureSkipTLSVerify: true },
    labels: { 'hub.kmm.sigs.x-k8s.io/image-job': JOB_ID },
    annotations: { 'hub.kmm.sigs.x-k8s.io/inputs-hash': JOB_ID },
    ...overrides,
  };
}

const OPTIONS = {
  namespace: 'kmm-hub',
  builderImage: 'gcr.io/kaniko-project/executor:latest',
  timeoutS: 600,
  index: 2,
};

describe('renderBuildJob', () => {
  it('runs the builder once with the Dockerfile, build args, secrets, registry auth and TLS flags', () => {
    const sut = renderBuildJob(newSpec(), OPTIONS);
    expect(sut.metadata).toMatchObject({
      name: 'kmm-hub-build-0123456789abcdef-2',
      namespace: 'kmm-hub',
      labels: { 'hub.kmm.sigs.x-k8s.io/image-job': JOB_ID.slice(0, 40) },
      annotations: {
        'hub.kmm.sigs.x-k8s.io/image-job': JOB_ID,
        'hub.kmm.sigs.x-k8s.io/image': newSpec().target,
        'hub.kmm.sigs.x-k8s.io/kernel': '6.1.0-56-amd64',
      },
    });
    expect(sut.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600 });
    const pod = sut.spec?.template.spec;
    expect(pod?.restartPolicy).toBe('Never');
    expect(pod?.containers[0]?.image).toBe('gcr.io/kaniko-project/executor:latest');
    expect(pod?.containers[0]?.args).toEqual([
      '--dockerfile=/workspace/Dockerfile',
      '--context=dir:///workspace',
      `--destination=${newSpec().target}`,
      '--reproducible',
      '--build-arg=DRIVER_VERSION=1.2 3',
      '--build-arg=KERNEL_VERSION=6.1.0-56-amd64',
      `--label=hub.kmm.sigs.x-k8s.io/image-job=${JOB_ID}`,
      '--skip-tls-verify',
      '--insecure-pull',
    ]);
    expect(pod?.containers[0]?.volumeMounts).toEqual([
      { name: 'dockerfile', mountPath: '/workspace', readOnly: true },
      { name: 'secret-0', mountPath: '/run/secrets/token', readOnly: true },
      { name: 'secret-1', mountPath: '/run/secrets/ca', readOnly: true },
      { name: 'registry-auth', mountPath: '/kaniko/.docker', readOnly: true },
    ]);
    expect(pod?.volumes).toEqual([
      { name: 'dockerfile', configMap: { name: 'gpu-dockerfile', items: [{ key: 'dockerfile', path: 'Dockerfile' }] } },
      { name: 'secret-0', secret: { secretName: 'token' } },
      { name: 'secret-1', secret: { secretName: 'ca' } },
      {
        name: 'registry-auth',
        secret: { secretName: 'pull-secret', items: [{ key: '.dockerconfigjson', path: 'config.json' }] },
      },
    ]);
  });

  it.each([
    ['127.0.0.1:5000/drivers/gpu:1', true],
    ['localhost:5000/drivers/gpu:1', true],
    ['192.168.10.2:5000/drivers/gpu:1', true],
    ['localhost/drivers/gpu:1', false],
    ['registry.example:5000/drivers/gpu:1', false],
  ])('pushes to %s with --insecure: %s (go-containerregistry rule)', (target, insecure) => {
    const spec = newSpec({ target, registryTLS: { insecure: false, insecureSkipTLSVerify: false } });
    expect(renderBuildJob(spec, OPTIONS).spec?.template.spec?.containers[0]?.args?.includes('--insecure')).toBe(
      insecure,
    );
  });

  it('uses the build selector and the kaniko tag', () => {
    const sut = renderBuildJob(newSpec({ selector: { 'kubernetes.io/arch': 'amd64' }, kanikoTag: 'v1.23.0' }), OPTIONS);
    expect(sut.spec?.template.spec?.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(sut.spec?.template.spec?.containers[0]?.image).toBe('gcr.io/kaniko-project/executor:v1.23.0');
  });
});

describe('builderImageFor', () => {
  it.each([
    ['gcr.io/kaniko-project/executor:latest', 'debug', 'gcr.io/kaniko-project/executor:debug'],
    ['registry.local:5000/kaniko', 'v1', 'registry.local:5000/kaniko:v1'],
    [`registry.local:5000/kaniko@sha256:${'a'.repeat(64)}`, 'v1', 'registry.local:5000/kaniko:v1'],
    ['registry.local:5000/kaniko:v0', undefined, 'registry.local:5000/kaniko:v0'],
  ])('puts the tag on %s (%s)', (image, tag, expected) => {
    expect(builderImageFor(image, tag)).toBe(expected);
  });
});

describe('buildJobName', () => {
  it('round-trips the index', () => {
    expect(buildJobIndex(buildJobName(JOB_ID, 12))).toBe(12);
    expect(buildJobIndex('something-else')).toBe(0);
  });
});

function job(status: V1Job['status']): V1Job {
  return { spec: { backoffLimit: 0, template: {} }, status };
}

describe('readBuildJobPhase', () => {
  it.each([
    ['no status', job(undefined), { phase: 'pending' }],
    ['an active pod', job({ active: 1 }), { phase: 'running' }],
    ['Complete', job({ conditions: [{ type: 'Complete', status: 'True' }] }), { phase: 'succeeded' }],
    [
      'SuccessCriteriaMet',
      job({ conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] }),
      { phase: 'succeeded' },
    ],
    [
      'Failed',
      job({ conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'too slow' }] }),
      { phase: 'failed', reason: 'DeadlineExceeded', message: 'too slow' },
    ],
    [
      'FailureTarget',
      job({ conditions: [{ type: 'FailureTarget', status: 'True' }] }),
      { phase: 'failed', reason: 'Failed', message: '' },
    ],
    [
      'a Failed condition that is False',
      job({ active: 1, conditions: [{ type: 'Failed', status: 'False' }] }),
      { phase: 'running' },
    ],
    [
      'a failed pod past the backoff limit',
      job({ failed: 1 }),
      { phase: 'failed', reason: 'PodFailed', message: '1 pod(s) failed' },
    ],
    ['a succeeded pod', job({ succeeded: 1 }), { phase: 'succeeded' }],
  ])('reads %s', (_, sut, expected) => {
    expect(readBuildJobPhase(sut)).toEqual(expected);
  });
});
