// The dependency graph of each role, compiled without starting anything (no connection is opened before init).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModulesContainer } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseHubConfig } from './config/config.schema.js';
import { HubModule } from './hub.module.js';
import { AuthController } from './api/auth.controller.js';
import { ImageQueueClient } from './image-queues/image-queue.client.js';
import { RegistryAccessService } from './registry/registry-access.service.js';
import { WebController } from './web/web.controller.js';

/** Every provider instance of a class in the app, whatever token it is registered under. */
function instancesOf<T>(app: TestingModule, type: abstract new (...args: never[]) => T): Set<T> {
  const found = new Set<T>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.providers.values()) if (wrapper.instance instanceof type) found.add(wrapper.instance);
  }
  return found;
}

/** The controller classes the app routes to. */
function controllersOf(app: TestingModule): Set<unknown> {
  const found = new Set<unknown>();
  for (const module of app.get(ModulesContainer).values()) for (const c of module.controllers.keys()) found.add(c);
  return found;
}

describe(HubModule.name, () => {
  // Made in beforeAll, not while the file is collected: a run that filters out every test of this suite skips
  // afterAll too, and the folder would stay behind.
  let dir: string;
  let kubeconfig: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kmm-hub-module-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        'current-context': 'hub',
        clusters: [{ name: 'hub', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'hub', user: { token: 't' } }],
        contexts: [{ name: 'hub', context: { cluster: 'hub', user: 'hub' } }],
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const configFor = (role: 'all' | 'controller' | 'api' | 'worker') =>
    parseHubConfig({
      HUB_ROLE: role,
      HUB_KUBECONFIG: kubeconfig,
      REDIS_URL: 'redis://127.0.0.1:1',
      AUTH_MODE: 'disabled',
      LOG_LEVEL: 'fatal',
      METRICS_AUTH: 'viewer',
    });

  it.each([
    ['all', true],
    ['api', true],
    ['controller', false],
    ['worker', false],
  ] as const)('role %s serves the fleet page and sign-in routes: %s', async (role, served) => {
    const app = await Test.createTestingModule({ imports: [await HubModule.forRole(configFor(role))] }).compile();
    try {
      const controllers = controllersOf(app);
      expect([controllers.has(WebController), controllers.has(AuthController)]).toEqual([served, served]);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['all', 1],
    ['controller', 1],
    ['api', 0],
    ['worker', 1],
  ] as const)(
    'role %s: %i set of registry clients for the image checks and the build and sign jobs',
    async (role, sets) => {
      const app = await Test.createTestingModule({ imports: [await HubModule.forRole(configFor(role))] }).compile();
      try {
        expect(instancesOf(app, RegistryAccessService).size).toBe(sets);
      } finally {
        await app.close();
      }
    },
  );

  it.each(['all', 'controller', 'api', 'worker'] as const)(
    'role %s: one queue client (one set of Redis connections) serves the pipeline, API and health checks',
    async (role) => {
      const app = await Test.createTestingModule({ imports: [await HubModule.forRole(configFor(role))] }).compile();
      try {
        expect(instancesOf(app, ImageQueueClient).size).toBe(1);
      } finally {
        await app.close();
      }
    },
  );
});
