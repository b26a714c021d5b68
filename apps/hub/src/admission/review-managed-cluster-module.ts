// The answer to one AdmissionReview (admission.k8s.io/v1) for a ManagedClusterModule, from the pure validators of
// libs/api. The CRD's schema and CEL rules run before any webhook, so what this refuses is what CEL cannot express
// (RE2 syntax, filepath.Clean of hostPaths, label and DNS name syntax in lists, duplicates, image references).
import { isDeepStrictEqual } from 'node:util';
import { validateManagedClusterModuleForAdmission, type ManagedClusterModule } from '@kmm-hub/api';
import { z } from 'zod';

const admissionReviewSchema = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1),
    operation: z.string(),
    object: z.looseObject({ metadata: z.looseObject({}).optional() }).nullish(),
    oldObject: z.looseObject({}).nullish(),
  }),
});

export interface AdmissionReviewResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; reason: string; message: string };
  };
}

export type ReviewResult = { ok: true; review: AdmissionReviewResponse } | { ok: false; message: string };

export function reviewManagedClusterModule(body: unknown): ReviewResult {
  const parsed = admissionReviewSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    return { ok: false, message: `not an admission.k8s.io/v1 AdmissionReview: ${problems}` };
  }
  const { uid, operation, object, oldObject } = parsed.data.request;
  const allow = { ok: true, review: answer(uid, true) } as const;
  if (!object || (operation !== 'CREATE' && operation !== 'UPDATE')) return allow;
  const mcm = object as unknown as ManagedClusterModule;
  const old = (oldObject ?? undefined) as ManagedClusterModule | undefined;
  // An update that leaves the spec alone (labels, finalizers, annotations) cannot make it worse; refusing it would
  // stop the hub from removing its finalizer from an object stored before these rules, so it could never go away.
  if (operation === 'UPDATE' && old && isDeepStrictEqual(old.spec, mcm.spec)) return allow;

  const result = validateManagedClusterModuleForAdmission(mcm, { ...(old && { old }) });
  if (result.ok) return allow;
  const name = mcm.metadata?.name ?? '';
  const issues = result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return {
    ok: true,
    review: answer(uid, false, {
      // 422 and Invalid, as the API server answers for its own validation.
      code: 422,
      reason: 'Invalid',
      message: `ManagedClusterModule "${name}" is invalid: ${issues}`,
    }),
  };
}

function answer(uid: string, allowed: boolean, status?: AdmissionReviewResponse['response']['status']) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, allowed, ...(status && { status }) },
  } satisfies AdmissionReviewResponse;
}
