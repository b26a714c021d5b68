import type { V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { LABELS, VERSION_LABELS, checkLabelValue, type Module, type ModuleStatus } from '@kmm-hub/api';
import { KERNEL_MAPPING_PROBLEM, resolveKernelMapping } from '@kmm-hub/kernel';
import { isSchedulable, kernelLabelValue, kernelOfNode, matchesSelector } from './node-scheduling.js';
import { devicePluginName, renderDevicePlugin, renderModuleLoader } from './render-workloads.js';

export interface ModuleWorkloadsInput {
  readonly module: Module;
  readonly nodes: readonly V1Node[];
  /** The DaemonSets that exist for this Module (labelled with its name, in its namespace). */
  readonly daemonSets: readonly V1DaemonSet[];
  /** The agent's namespace: Modules there get the privileged default service accounts (as in KMM's namespace). */
  readonly agentNamespace: string;
  readonly defaultServiceAccounts: { readonly moduleLoader: string; readonly devicePlugin: string };
}

export interface ModuleWorkloadsPlan {
  /** DaemonSets to exist, each with its spec-hash annotation. */
  readonly apply: V1DaemonSet[];
  /** Names of this Module's DaemonSets to delete. */
  readonly delete: string[];
  readonly status: Pick<ModuleStatus, 'moduleLoader' | 'devicePlugin'>;
  /** Kernels that could not be served and why (invalid regexp, template, kernel). */
  readonly problems: string[];
}

/**
 * As KMM ("ServiceAccounts and SecurityContextConstraints",
 * https://docs.openshift.com/container-platform/4.12/hardware_enablement/kmm-kernel-module-management.html): the
 * Module's own account; else the privileged default in the agent's namespace; else the namespace default.
 */
function serviceAccountFor(own: string | undefined, module: Module, agentNamespace: string, fallback: string) {
  if (own) return own;
  return module.metadata.namespace === agentNamespace ? fallback : undefined;
}

/**
 * The Module reconciliation loop of KMM ("Kernel module deployment") as a pure plan: nodes matching `selector` whose
 * taints the Module tolerates → their kernels → the first matching kernel mapping → one module-loader DaemonSet per
 * kernel; one device-plugin DaemonSet, which selects the nodes whose module-ready and device-plugin-target labels are
 * set (the device plugin needs the module loaded; without a module loader it just follows the selector); every other
 * DaemonSet of the Module (a kernel no node runs any more) is collected. Status counts come from the DaemonSets' own
 * status.
 *
 * With `moduleLoader.container.version` (ordered upgrade, upstream KMM v1.1): one DaemonSet per (kernel, version) and
 * one device plugin per version, each selecting its version through the node labels the agent moves behind the
 * admin's `kmm.node.kubernetes.io/version-module.<namespace>.<name>`; a DaemonSet of an older version stays until
 * the DaemonSet controller reports that it runs on no node (internal/daemonset/daemonset.go
 * `isOlderVersionUnusedDaemonset`), so changing the version alone unloads nothing. A version that cannot be a label
 * value is a problem, and nothing is applied or collected until it is fixed.
 */
export function planModuleWorkloads(input: ModuleWorkloadsInput): ModuleWorkloadsPlan {
  const { module, agentNamespace, defaultServiceAccounts } = input;
  const spec = module.spec;
  const name = module.metadata.name ?? '';
  const live = new Map(input.daemonSets.map((ds) => [ds.metadata?.name ?? '', ds]));
  const targeted = input.nodes.filter((n) => matchesSelector(n, spec?.selector) && isSchedulable(n, spec?.tolerations));
  const kernels = [...new Set(targeted.map(kernelOfNode).filter((k) => k !== ''))].toSorted();
  const apply: V1DaemonSet[] = [];
  const problems: string[] = [];
  const loaders: V1DaemonSet[] = [];

  const container = spec?.moduleLoader?.container;
  const version = container?.version || undefined;
  if (version !== undefined) {
    const errors = checkLabelValue(version);
    if (errors.length > 0) {
      return {
        apply: [],
        delete: [],
        status: {
          ...(module.status?.moduleLoader && { moduleLoader: module.status.moduleLoader }),
          ...(module.status?.devicePlugin && { devicePlugin: module.status.devicePlugin }),
        },
        problems: [
          `spec.moduleLoader.container.version: "${version}" cannot be a node label value (${errors.join('; ')}); nothing is changed until it is fixed`,
        ],
      };
    }
  }
  if (container !== undefined) {
    const serviceAccountName = serviceAccountFor(
      spec?.moduleLoader?.serviceAccountName,
      module,
      agentNamespace,
      defaultServiceAccounts.moduleLoader,
    );
    for (const kernel of kernels) {
      const resolved = resolveKernelMapping({
        container,
        module: { name, namespace: module.metadata.namespace ?? '' },
        kernel,
      });
      if (!resolved.ok) {
        if (resolved.problem !== KERNEL_MAPPING_PROBLEM.NoMatchingKernelMapping)
          problems.push(`kernel ${kernel}: ${resolved.reason}`);
        continue;
      }
      const kernelLabel = kernelLabelValue(kernel);
      if (kernelLabel === undefined) {
        problems.push(
          `kernel ${kernel}: its normalized form is not a valid label value, nodes cannot be selected by it`,
        );
        continue;
      }
      const ds = renderModuleLoader({ module, mapping: resolved.mapping, kernelLabel, serviceAccountName });
      apply.push(ds);
      loaders.push(ds);
    }
  }

  let devicePlugin: V1DaemonSet | undefined;
  if (spec?.devicePlugin !== undefined) {
    const serviceAccountName = serviceAccountFor(
      spec.devicePlugin.serviceAccountName,
      module,
      agentNamespace,
      defaultServiceAccounts.devicePlugin,
    );
    devicePlugin = renderDevicePlugin({ module, serviceAccountName });
    apply.push(devicePlugin);
  }

  const wanted = new Set(apply.map((ds) => ds.metadata?.name ?? ''));
  const servedKernels = new Set(loaders.map((ds) => ds.metadata?.labels?.[LABELS.kernelVersionFull]));
  const toDelete = [...live.entries()]
    .filter(([n, ds]) => !wanted.has(n) && !isOlderVersionInUse(ds, version, servedKernels))
    .map(([n]) => n)
    .toSorted();

  const sum = (list: readonly V1DaemonSet[], field: 'desiredNumberScheduled' | 'numberAvailable') =>
    list.reduce((total, ds) => total + (live.get(ds.metadata?.name ?? '')?.status?.[field] ?? 0), 0);
  const status: ModuleWorkloadsPlan['status'] = {};
  if (container !== undefined) {
    status.moduleLoader = {
      nodesMatchingSelectorNumber: targeted.length,
      desiredNumber: sum(loaders, 'desiredNumberScheduled'),
      availableNumber: sum(loaders, 'numberAvailable'),
    };
  }
  if (spec?.devicePlugin !== undefined) {
    const plugin = live.get(devicePluginName(name, version));
    const current = devicePlugin !== undefined && plugin !== undefined ? [plugin] : [];
    status.devicePlugin = {
      nodesMatchingSelectorNumber: targeted.length,
      desiredNumber: sum(current, 'desiredNumberScheduled'),
      availableNumber: sum(current, 'numberAvailable'),
    };
  }
  return { apply, delete: toDelete, status, problems };
}

/**
 * A DaemonSet of another version than the Module's that still runs somewhere: upstream KMM v1.1 collects one only
 * once its `desiredNumberScheduled` is 0 (internal/daemonset/daemonset.go `isOlderVersionUnusedDaemonset`); here
 * also only once the DaemonSet controller has observed its current generation, so a count not yet computed is not
 * read as 0. A module loader for a kernel no longer served goes anyway (`isModuleLoaderDaemonsetWithInvalidKernel`).
 */
function isOlderVersionInUse(
  ds: V1DaemonSet,
  version: string | undefined,
  servedKernels: ReadonlySet<string | undefined>,
): boolean {
  const labels = ds.metadata?.labels ?? {};
  const namespace = ds.metadata?.namespace ?? '';
  const module = labels[LABELS.moduleName] ?? '';
  const kernel = labels[LABELS.kernelVersionFull];
  const dsVersion =
    kernel === undefined
      ? labels[VERSION_LABELS.devicePlugin(namespace, module)]
      : labels[VERSION_LABELS.moduleLoader(namespace, module)];
  if (dsVersion === undefined || dsVersion === (version ?? '')) return false;
  if (kernel !== undefined && !servedKernels.has(kernel)) return false;
  const observed = (ds.status?.observedGeneration ?? -1) >= (ds.metadata?.generation ?? 0);
  return !observed || (ds.status?.desiredNumberScheduled ?? 0) > 0;
}

/** The Module a DaemonSet belongs to, from its labels; undefined for DaemonSets that are not ours. */
export function moduleKeyOfDaemonSet(ds: V1DaemonSet): string | undefined {
  const module = ds.metadata?.labels?.[LABELS.moduleName];
  return module === undefined ? undefined : `${ds.metadata?.namespace ?? ''}/${module}`;
}
