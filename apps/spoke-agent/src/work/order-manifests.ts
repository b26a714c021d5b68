/**
 * OCM's apply order (`kindOrder` in open-cluster-management-io/ocm
 * pkg/work/spoke/controllers/manifestcontroller/manifestwork_reconciler.go): a stable sort by kind rank, so Namespaces
 * and CRDs exist before what lives in them or is typed by them, RBAC before workloads, and admission webhooks last (a
 * webhook applied first could reject the objects it guards before its service runs). Kinds not listed keep their spec
 * order after all others.
 */
const KIND_RANK: Readonly<Record<string, number>> = {
  Namespace: 0,
  CustomResourceDefinition: 0,
  PriorityClass: 0,
  StorageClass: 0,
  PersistentVolume: 0,
  PodSecurityPolicy: 0,
  ClusterRole: 1,
  ClusterRoleBinding: 1,
  Role: 1,
  RoleBinding: 1,
  NetworkPolicy: 2,
  ResourceQuota: 2,
  LimitRange: 2,
  PodDisruptionBudget: 2,
  ServiceAccount: 2,
  Secret: 3,
  ConfigMap: 3,
  PersistentVolumeClaim: 3,
  Service: 4,
  Deployment: 5,
  DaemonSet: 5,
  StatefulSet: 5,
  Job: 5,
  CronJob: 5,
  Pod: 5,
  ReplicaSet: 5,
  ReplicationController: 5,
  HorizontalPodAutoscaler: 5,
  APIService: 6,
  MutatingWebhookConfiguration: 6,
  ValidatingWebhookConfiguration: 6,
  ValidatingAdmissionPolicy: 6,
  ValidatingAdmissionPolicyBinding: 6,
};

const UNKNOWN_KIND_RANK = 1000;
const UNPARSABLE_RANK = 2000;

const rank = (m: { kind?: unknown }) =>
  typeof m.kind !== 'string' || m.kind === '' ? UNPARSABLE_RANK : (KIND_RANK[m.kind] ?? UNKNOWN_KIND_RANK);

/** The ordinals (indices into `manifests`) in apply order. */
export function orderManifests(manifests: readonly { kind?: unknown }[]): number[] {
  return manifests
    .map((m, ordinal) => ({ ordinal, rank: rank(m) }))
    .toSorted((a, b) => a.rank - b.rank || a.ordinal - b.ordinal)
    .map((e) => e.ordinal);
}
