// What each role of the built hub (apps/hub/dist, `npm run build` first) loads: the controller and worker roles
// must not load the API, the page or @nestjs/swagger (about 14 MiB resident, measured with the controller role
// started as the image runs it: 162 → 149 MiB), which only the roles serving /api/v1 need.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** The packages a fresh process has loaded (by import or require) once it has built the root module of `role`. */
function packagesLoadedBy(role: string): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = new Set();
    registerHooks({
      resolve(specifier, context, next) {
        const resolved = next(specifier, context);
        const name = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url)?.[1];
        if (name) loaded.add(name);
        return resolved;
      },
    });
    const { HubModule } = await import('${ROOT}apps/hub/dist/hub.module.js');
    const { parseHubConfig } = await import('${ROOT}apps/hub/dist/config/config.schema.js');
    await HubModule.forRole(parseHubConfig({ HUB_ROLE: '${role}' }));
    process.stdout.write(JSON.stringify([...loaded].sort()));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }),
  ) as string[];
}

describe('the built hub loads what its role needs', () => {
  it.each(['controller', 'worker'])('role %s does not load @nestjs/swagger', (role) => {
    const packages = packagesLoadedBy(role);
    expect(packages).toContain('@nestjs/core');
    expect(packages).not.toContain('@nestjs/swagger');
  });

  it.each(['all', 'api'])('role %s loads @nestjs/swagger for the OpenAPI document', (role) => {
    expect(packagesLoadedBy(role)).toContain('@nestjs/swagger');
  });
});
