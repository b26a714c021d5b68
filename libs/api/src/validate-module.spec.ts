import { describe, expect, it } from 'vitest';
import { newModule } from './object-factories.js';
import { validateModule } from './validate-module.js';

describe('validateModule', () => {
  it('accepts the factory object', () => {
    expect(validateModule(newModule())).toEqual({ ok: true });
  });

  it.each([
    ['a', 'b'.repeat(40), true],
    ['a', 'b'.repeat(41), false],
    ['a'.repeat(41), '', true],
  ])('with name %j and namespace %j (41 bytes at most together) is ok: %s', (name, namespace, ok) => {
    const sut = newModule({ metadata: { name, namespace } });

    expect(validateModule(sut)).toEqual(
      ok
        ? { ok: true }
        : {
            ok: false,
            issues: [{ path: 'metadata.name', message: 'name and namespace are 42 bytes together; the maximum is 41' }],
          },
    );
  });

  it.each([
    [{ major: 1, minor: 33 }, false],
    [{ major: 1, minor: 34 }, true],
    [{ major: 2, minor: 0 }, true],
    [undefined, true],
  ])('with DRA on Kubernetes %j is ok: %s', (kubernetesVersion, ok) => {
    const sut = newModule({ spec: { dra: { driverName: 'gpu.example.com', container: { image: 'driver:1' } } } });

    expect(validateModule(sut, { kubernetesVersion })).toEqual(
      ok
        ? { ok: true }
        : {
            ok: false,
            issues: [{ path: 'spec.dra', message: 'requires Kubernetes 1.34 or later; the cluster runs 1.33' }],
          },
    );
  });

  it('rejects an update that sets the version of a Module without one', () => {
    const old = newModule();
    const sut = newModule();
    sut.spec.moduleLoader.container.version = '2';

    expect(validateModule(sut, { old })).toEqual({
      ok: false,
      issues: [
        {
          path: 'spec.moduleLoader.container.version',
          message:
            'cannot change from "" to "2": version cannot change from empty to set or from set to empty; delete the object and create it again',
        },
      ],
    });
  });

  it('rejects a Module without spec', () => {
    const sut = { ...newModule(), spec: undefined };

    expect(validateModule(sut)).toEqual({ ok: false, issues: [{ path: 'spec', message: 'required' }] });
  });
});
