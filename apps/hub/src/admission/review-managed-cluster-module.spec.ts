import { newManagedClusterModule } from '@kmm-hub/api';
import { describe, expect, it } from 'vitest';
import { reviewManagedClusterModule } from './review-managed-cluster-module.js';

type Mcm = ReturnType<typeof newManagedClusterModule>;

function review(operation: string, object: unknown, oldObject?: unknown) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u-1', operation, object, oldObject: oldObject ?? null },
  };
}

function withBadRegexp(mcm: Mcm): Mcm {
  mcm.spec.moduleSpec.moduleLoader.container.kernelMappings = [{ regexp: '(', containerImage: 'i:1' }];
  return mcm;
}

const ALLOWED = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u-1', allowed: true } };
const BAD_REGEXP_MESSAGE =
  'ManagedClusterModule "mod-example" is invalid: spec.moduleSpec.moduleLoader.container.kernelMappings[0].regexp: "(" is not a valid RE2 regular expression: error parsing regexp: missing closing ): `(`';

describe('reviewManagedClusterModule', () => {
  it.each([
    ['a valid create', review('CREATE', newManagedClusterModule())],
    ['a delete', review('DELETE', null, newManagedClusterModule())],
    [
      'an update that changes only labels of an object stored with a bad regexp',
      review(
        'UPDATE',
        { ...withBadRegexp(newManagedClusterModule()), metadata: { name: 'mod-example', labels: { a: 'b' } } },
        withBadRegexp(newManagedClusterModule()),
      ),
    ],
    [
      // Upstream accepts these on the hub; the hub reports them as Valid=False instead (validateManagedClusterModule).
      'a 64-byte name and a selector value with a space',
      review(
        'CREATE',
        newManagedClusterModule({ metadata: { name: 'a'.repeat(64) }, spec: { selector: { a: 'b c' } } }),
      ),
    ],
  ])('allows %s', (_, body) => {
    expect(reviewManagedClusterModule(body)).toEqual({ ok: true, review: ALLOWED });
  });

  it.each([
    ['a create', review('CREATE', withBadRegexp(newManagedClusterModule()))],
    [
      'an update that introduces it',
      review('UPDATE', withBadRegexp(newManagedClusterModule()), newManagedClusterModule()),
    ],
  ])('refuses a bad regexp in %s with 422, naming field, rule and value', (_, body) => {
    expect(reviewManagedClusterModule(body)).toEqual({
      ok: true,
      review: {
        ...ALLOWED,
        response: { uid: 'u-1', allowed: false, status: { code: 422, reason: 'Invalid', message: BAD_REGEXP_MESSAGE } },
      },
    });
  });

  it('refuses a version change from set to empty, naming both values', () => {
    const old = newManagedClusterModule();
    old.spec.moduleSpec.moduleLoader.container.version = '1.0.0';

    const sut = reviewManagedClusterModule(review('UPDATE', newManagedClusterModule(), old));

    expect(sut).toMatchObject({
      review: {
        response: {
          allowed: false,
          status: {
            message:
              'ManagedClusterModule "mod-example" is invalid: spec.moduleSpec.moduleLoader.container.version: cannot change from "1.0.0" to "": version cannot change from empty to set or from set to empty; delete the object and create it again',
          },
        },
      },
    });
  });

  it.each([
    [
      'no body',
      undefined,
      'not an admission.k8s.io/v1 AdmissionReview: (body): Invalid input: expected object, received undefined',
    ],
    [
      'a v1beta1 review',
      { ...review('CREATE', {}), apiVersion: 'admission.k8s.io/v1beta1' },
      'not an admission.k8s.io/v1 AdmissionReview: apiVersion: Invalid input: expected "admission.k8s.io/v1"',
    ],
    [
      'a review without uid',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } },
      'not an admission.k8s.io/v1 AdmissionReview: request.uid: Invalid input: expected string, received undefined',
    ],
  ])('says what is wrong with %s', (_, body, message) => {
    expect(reviewManagedClusterModule(body)).toEqual({ ok: false, message });
  });
});
