// What the service accounts of the hub may do, as the API server authorizes them: the same rows hold for deploy/hub
// (kustomize) and for the RBAC that OLM creates from the permissions of deploy/olm's ClusterServiceVersion.
import type { AccessRequest } from './cluster-client.js';

const CONTROLLER = 'kmm-hub/kmm-hub-controller';
const WORKER = 'kmm-hub/kmm-hub-worker';
const API = 'kmm-hub/kmm-hub-api';
const mcm = { group: 'hub.kmm.sigs.x-k8s.io', resource: 'managedclustermodules' };
const works = { group: 'work.open-cluster-management.io', resource: 'manifestworks' };
const clusters = { group: 'cluster.open-cluster-management.io', resource: 'managedclusters' };
const leases = { group: 'coordination.k8s.io', resource: 'leases', namespace: 'kmm-hub' };
const core = (resource: string, namespace?: string) => ({ group: 'core', resource, namespace });

/** [service account, request, allowed]: what each hub role may and may not do, for every way the hub is installed. */
export const HUB_ACCESS: [string, AccessRequest, boolean][] = [
  [CONTROLLER, { verb: 'watch', ...mcm }, true],
  [CONTROLLER, { verb: 'patch', ...mcm, name: 'gpu-driver' }, true],
  [CONTROLLER, { verb: 'update', ...mcm, subresource: 'status' }, true],
  [CONTROLLER, { verb: 'update', ...mcm, subresource: 'finalizers' }, true],
  [CONTROLLER, { verb: 'create', ...mcm }, false],
  [CONTROLLER, { verb: 'delete', ...mcm }, false],
  [CONTROLLER, { verb: 'list', ...clusters }, true],
  [CONTROLLER, { verb: 'update', ...clusters }, false],
  [CONTROLLER, { verb: 'create', ...works, namespace: 'edge-1' }, true],
  [CONTROLLER, { verb: 'patch', ...works, namespace: 'edge-1' }, true],
  [CONTROLLER, { verb: 'delete', ...works, namespace: 'edge-2' }, true],
  [CONTROLLER, { verb: 'update', ...works, namespace: 'edge-1', subresource: 'status' }, false],
  [CONTROLLER, { verb: 'create', ...leases }, true],
  [CONTROLLER, { verb: 'update', ...leases, name: 'kmm-hub-controller' }, true],
  [CONTROLLER, { verb: 'update', ...leases, name: 'someone-elses-lease' }, false],
  [CONTROLLER, { verb: 'create', ...leases, namespace: 'kube-system' }, false],
  [CONTROLLER, { verb: 'list', ...core('secrets', 'kmm-hub') }, true],
  [CONTROLLER, { verb: 'get', ...core('secrets', 'edge-1') }, false],
  [CONTROLLER, { verb: 'list', ...core('secrets') }, false],
  [CONTROLLER, { verb: 'update', ...core('secrets', 'kmm-hub') }, false],
  [CONTROLLER, { verb: 'create', ...core('events', 'default') }, true],
  [CONTROLLER, { verb: 'create', ...core('pods', 'kmm-hub') }, false],
  [CONTROLLER, { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'kmm-hub' }, false],
  [WORKER, { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'kmm-hub' }, true],
  [WORKER, { verb: 'delete', group: 'batch', resource: 'jobs', namespace: 'kmm-hub' }, true],
  [WORKER, { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'default' }, false],
  [WORKER, { verb: 'get', ...core('pods', 'kmm-hub'), subresource: 'log' }, true],
  [WORKER, { verb: 'get', ...core('secrets', 'kmm-hub'), name: 'signing-key' }, true],
  [WORKER, { verb: 'list', ...core('secrets', 'kmm-hub') }, false],
  [WORKER, { verb: 'list', ...works }, false],
  [WORKER, { verb: 'get', ...leases, name: 'kmm-hub-controller' }, false],
  [API, { verb: 'list', ...mcm }, true],
  [API, { verb: 'watch', ...works }, true],
  [API, { verb: 'get', ...clusters, name: 'edge-1' }, true],
  [API, { verb: 'list', ...core('events') }, false],
  [API, { verb: 'create', ...mcm }, false],
  [API, { verb: 'patch', ...works, namespace: 'edge-1' }, false],
  [API, { verb: 'get', ...core('secrets', 'kmm-hub') }, false],
];
