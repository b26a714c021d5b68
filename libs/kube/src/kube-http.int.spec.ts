import { clusterKubeConfig, freezeProcess, startDedicatedCluster, type DedicatedCluster } from '@kmm-hub/test-env';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeApiError, KubeHttp } from './kube-http.js';

const env = inject('env');

// A frozen (SIGSTOPped) kube-apiserver accepts connections but never answers, as a hub behind a black-holed
// network does: requests and watches must fail after their timeout instead of hanging, and work again once it
// answers.
describe(KubeHttp.name, () => {
  let cluster: DedicatedCluster;
  beforeAll(async () => {
    cluster = await startDedicatedCluster(env, 'kube-http');
  }, 120_000);
  afterAll(async () => {
    process.kill(cluster.pid, 'SIGCONT');
    await cluster?.stop();
  });

  it('fails a request that gets no answer within its timeout, as a transient error', async () => {
    const sut = new KubeHttp(clusterKubeConfig(cluster.info), { requestTimeoutMs: 1_000 });
    await expect(sut.json('GET', '/api/v1/namespaces/default')).resolves.toMatchObject({
      metadata: { name: 'default' },
    });
    await freezeProcess(cluster.pid);
    try {
      const started = Date.now();
      const err = await sut.json('GET', '/api/v1/namespaces/default').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect(err).toMatchObject({ reason: 'Timeout', transient: true });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      process.kill(cluster.pid, 'SIGCONT');
    }
    await expect(sut.json('GET', '/api/v1/namespaces/default')).resolves.toMatchObject({
      metadata: { name: 'default' },
    });
  });

  it('drops a watch stream that stays silent past its idle timeout', async () => {
    const sut = new KubeHttp(clusterKubeConfig(cluster.info), { watchIdleTimeoutMs: 1_500 });
    const list = await sut.json<{ metadata: { resourceVersion: string } }>(
      'GET',
      '/api/v1/namespaces/default/configmaps',
    );
    const seen: string[] = [];
    const watching = sut.watch<{ metadata: { name: string } }>(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: list.metadata.resourceVersion },
      (ev) => seen.push(ev.object.metadata.name),
    );
    // The stream is established (its answer began) before the server goes silent: the timeout then ends a response,
    // not a request, and must still read as a Timeout (Node reported a bare `aborted` ECONNRESET there).
    const name = `idle-${Date.now()}`;
    await sut.json('POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name } } });
    await expect.poll(() => seen).toContain(name);
    await freezeProcess(cluster.pid);
    try {
      const started = Date.now();
      await expect(watching).rejects.toMatchObject({ reason: 'Timeout', transient: true });
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      process.kill(cluster.pid, 'SIGCONT');
    }
  });

  it('reads text answers (as a pod log is) and turns a failed one into the API error', async () => {
    const sut = new KubeHttp(clusterKubeConfig(cluster.info));
    await expect(sut.text('/healthz', { verbose: true })).resolves.toMatch(/^\[\+\]ping ok$/m);
    await expect(sut.text('/api/v1/namespaces/default/pods/no-such-pod/log', { tailLines: 30 })).rejects.toMatchObject({
      status: 404,
      reason: 'NotFound',
      transient: false,
    });
  });
});
