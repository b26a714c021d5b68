import type {
  V1DaemonSet,
  V1EnvVar,
  V1OwnerReference,
  V1PodSpec,
  V1ResourceRequirements,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import {
  ANNOTATIONS,
  DAEMONSET_ROLES,
  LABELS,
  NODE_LABELS,
  RESOURCES,
  VERSION_LABELS,
  type ModprobeSpec,
  type Module,
} from '@kmm-hub/api';
import { dnsSafeKernelVersion, type ResolvedKernelMapping } from '@kmm-hub/kernel';
import { hashCanonicalJson } from '@kmm-hub/manifestwork';
import { hashGoStringStruct } from './go-hashstructure.js';

/**
 * Where the module-loader copies `firmwarePath` on the host: the OpenShift KMM default ("KMM firmware support",
 * https://docs.openshift.com/container-platform/4.12/hardware_enablement/kmm-kernel-module-management.html).
 */
export const HOST_FIRMWARE_PATH = '/var/lib/firmware';
const DEVICE_PLUGINS_PATH = '/var/lib/kubelet/device-plugins';
const DEFAULT_DIR_NAME = '/opt';

/** POSIX shell single-quoting. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

const shellScript = (steps: string[]) => ['/bin/sh', '-c', steps.join(' && ')];
const shellCommand = (argv: string[]) => argv.map(shellQuote).join(' ');

export interface ModprobeCommands {
  readonly load: string[];
  readonly unload: string[];
}

/**
 * The loader's postStart and preStop commands (KMM's "Kernel module deployment": `modprobe` when the pod starts,
 * `modprobe -r` when it stops; the fields are `ModuleLoaderContainerSpec` in kubernetes-sigs/kernel-module-management
 * api/v1beta1/module_types.go): `rawArgs` pass through unchanged; otherwise
 * `modprobe -v -d <dirName> <args.load> <moduleName> <parameters>` and `modprobe -r -v -d <dirName> <args.unload>
 * <modulesLoadingOrder or moduleName>`. A plain exec runs when that is all; in-tree modules to remove first and
 * firmware (copied from `firmwarePath` to the host before loading, its files removed after unloading) need a shell.
 * `modulesLoadingOrder` is honoured on load by the softdep file `renderModuleLoader` mounts (`modulesOrderSoftdep`).
 */
export function modprobeCommands(
  modprobe: ModprobeSpec,
  inTreeModulesToRemove: readonly string[] | undefined,
): ModprobeCommands {
  const dir = modprobe.dirName || DEFAULT_DIR_NAME;
  const name = modprobe.moduleName ?? '';
  const load = modprobe.rawArgs?.load?.length
    ? ['modprobe', ...modprobe.rawArgs.load]
    : ['modprobe', '-v', '-d', dir, ...(modprobe.args?.load ?? []), name, ...(modprobe.parameters ?? [])];
  const unloadModules = modprobe.modulesLoadingOrder?.length ? modprobe.modulesLoadingOrder : [name];
  const unload = modprobe.rawArgs?.unload?.length
    ? ['modprobe', ...modprobe.rawArgs.unload]
    : ['modprobe', '-r', '-v', '-d', dir, ...(modprobe.args?.unload ?? []), ...unloadModules];
  const firmware = modprobe.firmwarePath;
  const inTree = inTreeModulesToRemove ?? [];
  if (!firmware && inTree.length === 0) return { load, unload };
  const loadSteps: string[] = [];
  if (inTree.length > 0) {
    loadSteps.push(
      `for m in ${inTree.map(shellQuote).join(' ')}; do if [ -d "/sys/module/$m" ]; then modprobe -r -v "$m"; fi; done`,
    );
  }
  if (firmware)
    loadSteps.push(`mkdir -p ${HOST_FIRMWARE_PATH}`, `cp -r ${shellQuote(firmware)}/. ${HOST_FIRMWARE_PATH}/`);
  loadSteps.push(shellCommand(load));
  const unloadSteps = [shellCommand(unload)];
  if (firmware) unloadSteps.push(firmwareRemovalStep(firmware, HOST_FIRMWARE_PATH));
  return { load: shellScript(loadSteps), unload: shellScript(unloadSteps) };
}

/**
 * The modprobe configuration that makes `modprobe <moduleName>` load a `modulesLoadingOrder` bottom-up, as upstream
 * writes it for its worker pod (internal/pod/workerpodmanager.go `getModulesOrderAnnotationValue`): one
 * `softdep <module> pre: <next>` line per pair, so [a, b, c] loads c, then b, then a. Undefined without an order.
 */
export function modulesOrderSoftdep(modulesLoadingOrder: readonly string[] | undefined): string | undefined {
  if (!modulesLoadingOrder?.length) return undefined;
  return modulesLoadingOrder
    .slice(0, -1)
    .map((module, i) => `softdep ${module} pre: ${modulesLoadingOrder[i + 1]}\n`)
    .join('');
}

/** Where the loader container reads the softdep file; a file of its own keeps the image's other modprobe.d files. */
export const MODULES_ORDER_MOUNT_PATH = '/etc/modprobe.d/kmm-modules-order.conf';

/**
 * The unload step that takes a module's firmware off the host, as upstream's worker does
 * (internal/utils/filesystem_helper.go `RemoveSrcFilesFromDst`, after internal/worker/worker.go `UnloadKmod`): every
 * non-directory entry under the image's firmwarePath (files, and symlinks, which `cp -r` copies as links) is removed
 * from `hostPath`; folders stay, since other modules' firmware may share them.
 */
export function firmwareRemovalStep(firmwarePath: string, hostPath: string): string {
  // hostPath goes between double quotes: a plain path of ours (HOST_FIRMWARE_PATH, a test's temporary folder).
  return `(cd ${shellQuote(firmwarePath)} && find . ! -type d) | while read -r f; do rm -f "${hostPath}/$f"; done`;
}

function ownerReference(module: Module): V1OwnerReference {
  return {
    apiVersion: RESOURCES.Module.apiVersion,
    kind: RESOURCES.Module.kind,
    name: module.metadata.name ?? '',
    uid: module.metadata.uid ?? '',
    controller: true,
  };
}

/** The DaemonSet with the spec-hash annotation over everything else, so an unchanged one is never re-applied. */
function withSpecHash(ds: V1DaemonSet): V1DaemonSet {
  const hash = hashCanonicalJson(ds);
  return {
    ...ds,
    metadata: { ...ds.metadata, annotations: { ...ds.metadata?.annotations, [ANNOTATIONS.specHash]: hash } },
  };
}

export function specHashOf(ds: V1DaemonSet): string | undefined {
  return ds.metadata?.annotations?.[ANNOTATIONS.specHash];
}

/**
 * Upstream KMM v1.1's name suffix for a versioned Module's DaemonSets (controllers/module_reconciler.go: `%x` of the
 * hashstructure hash of `hashData{KernelVersion, ModuleVersion}`; the device plugin's has an empty kernel).
 */
function versionedNameSuffix(kernel: string, version: string): string {
  return hashGoStringStruct('hashData', [
    ['KernelVersion', kernel],
    ['ModuleVersion', version],
  ]).toString(16);
}

/**
 * Without a version, `<module>-<dns-safe kernel>`, or with a hash tail when that would pass 63 characters. With one
 * (ordered upgrade), upstream KMM v1.1's `<module>-<hash of kernel and version>`, so each (kernel, version) has its
 * own DaemonSet and two versions run side by side.
 */
export function moduleLoaderName(module: string, kernel: string, version?: string): string {
  if (version) return `${module}-${versionedNameSuffix(kernel, version)}`;
  const safe = dnsSafeKernelVersion(kernel);
  const plain = `${module}-${safe}`;
  if (plain.length <= 63) return plain;
  const hash = hashCanonicalJson(kernel).slice(0, 10);
  const room = 63 - module.length - hash.length - 2;
  return `${module}-${safe.slice(0, Math.max(0, room)).replace(/-+$/, '')}-${hash}`.replace(/--+/g, '-');
}

/** `<module>-device-plugin`; with a version, upstream KMM v1.1's `<module>-device-plugin-<hash of the version>`. */
export function devicePluginName(module: string, version?: string): string {
  return version ? `${module}-device-plugin-${versionedNameSuffix('', version)}` : `${module}-device-plugin`;
}

/**
 * One module-loader DaemonSet for one kernel (KMM's "Kernel module deployment"): on the nodes the Module selects that
 * run this kernel (node label `kernel-version.full`), a privileged container of the kernel's image that runs `modprobe`
 * on start, sleeps, and unloads on stop; the image pull secret and service account as the Module says ("ServiceAccounts
 * and SecurityContextConstraints",
 * https://docs.openshift.com/container-platform/4.12/hardware_enablement/kmm-kernel-module-management.html).
 */
export function renderModuleLoader(args: {
  readonly module: Module;
  readonly mapping: ResolvedKernelMapping;
  readonly kernelLabel: string;
  readonly serviceAccountName: string | undefined;
}): V1DaemonSet {
  const { module, mapping, kernelLabel, serviceAccountName } = args;
  const container = module.spec?.moduleLoader?.container;
  const modprobe: ModprobeSpec = container?.modprobe ?? {};
  const { load, unload } = modprobeCommands(modprobe, mapping.inTreeModulesToRemove);
  const name = module.metadata.name ?? '';
  const version = container?.version || undefined;
  // With a version, upstream KMM v1.1's labels (internal/daemonset/daemonset.go `SetDriverContainerAsDesired`): the
  // role, and the version also in the node selector, so the DaemonSet runs only where the agent has moved the node's
  // module-loader version label to it (plan-node-module-labels.ts `planModuleVersionLabels`).
  const versionLabels: Record<string, string> = version
    ? {
        [LABELS.daemonSetRole]: DAEMONSET_ROLES.moduleLoader,
        [VERSION_LABELS.moduleLoader(module.metadata.namespace ?? '', name)]: version,
      }
    : {};
  const labels = { [LABELS.moduleName]: name, [LABELS.kernelVersionFull]: kernelLabel, ...versionLabels };
  const mounts: V1VolumeMount[] = [{ name: 'node-lib-modules', mountPath: '/lib/modules', readOnly: true }];
  const volumes: V1Volume[] = [{ name: 'node-lib-modules', hostPath: { path: '/lib/modules', type: 'Directory' } }];
  if (modprobe.firmwarePath) {
    mounts.push({ name: 'node-firmware', mountPath: HOST_FIRMWARE_PATH });
    volumes.push({ name: 'node-firmware', hostPath: { path: HOST_FIRMWARE_PATH, type: 'DirectoryOrCreate' } });
  }
  // Upstream hands the softdep lines to the pod through an annotation and a downward API volume (workerpodmanager.go
  // `setWorkerSofdepConfig`); the same here, mounted as one file.
  const softdep = modulesOrderSoftdep(modprobe.modulesLoadingOrder);
  if (softdep !== undefined) {
    mounts.push({
      name: 'modules-order',
      mountPath: MODULES_ORDER_MOUNT_PATH,
      subPath: 'softdep.conf',
      readOnly: true,
    });
    volumes.push({
      name: 'modules-order',
      downwardAPI: {
        items: [
          { path: 'softdep.conf', fieldRef: { fieldPath: `metadata.annotations['${ANNOTATIONS.modulesOrder}']` } },
        ],
      },
    });
  }
  const podSpec: V1PodSpec = {
    nodeSelector: {
      ...module.spec?.selector,
      [LABELS.kernelVersionFull]: kernelLabel,
      ...(version && { [VERSION_LABELS.moduleLoader(module.metadata.namespace ?? '', name)]: version }),
    },
    priorityClassName: 'system-node-critical',
    containers: [
      {
        name: 'module-loader',
        image: mapping.containerImage,
        ...(container?.imagePullPolicy && { imagePullPolicy: container.imagePullPolicy }),
        command: ['sleep', 'infinity'],
        lifecycle: { postStart: { exec: { command: load } }, preStop: { exec: { command: unload } } },
        securityContext: { privileged: true },
        volumeMounts: mounts,
      },
    ],
    volumes,
    ...podExtras(module, serviceAccountName),
  };
  return withSpecHash({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: moduleLoaderName(name, mapping.kernel, version),
      namespace: module.metadata.namespace,
      labels,
      ownerReferences: [ownerReference(module)],
    },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(softdep !== undefined && { annotations: { [ANNOTATIONS.modulesOrder]: softdep } }) },
        spec: podSpec,
      },
    },
  });
}

/**
 * The device-plugin DaemonSet, placed as upstream places it (internal/controllers/device_plugin_reconciler.go
 * `generateDevicePluginLabelsAndSelector`): with a module loader, on the nodes labelled
 * `kmm.node.kubernetes.io/<namespace>.<module>.ready` (the module is loaded there) and `….device-plugin-target`
 * (selected and schedulable), both kept by NodeModuleLabelsReconciler; without one, on the nodes the Module selects.
 * Its pod selector excludes the kernel label so it never overlaps the loaders'.
 */
export function renderDevicePlugin(args: {
  readonly module: Module;
  readonly serviceAccountName: string | undefined;
}): V1DaemonSet {
  const { module, serviceAccountName } = args;
  const plugin = module.spec?.devicePlugin;
  const name = module.metadata.name ?? '';
  const namespace = module.metadata.namespace ?? '';
  // With a version, upstream KMM v1.1's labels (daemonset.go `SetDevicePluginAsDesired`): the role, and the version in
  // the node selector, so the device plugin leaves a node before its module is unloaded there and comes back after
  // the new version is loaded (plan-node-module-labels.ts `planModuleVersionLabels`).
  const version = (module.spec?.moduleLoader && module.spec.moduleLoader.container.version) || undefined;
  const versionLabels: Record<string, string> = version
    ? {
        [LABELS.daemonSetRole]: DAEMONSET_ROLES.devicePlugin,
        [VERSION_LABELS.devicePlugin(namespace, name)]: version,
      }
    : {};
  const labels = { [LABELS.moduleName]: name, ...versionLabels };
  const toContainer = (c: NonNullable<typeof plugin>['container'], containerName: string) => ({
    name: containerName,
    image: c.image,
    ...(c.imagePullPolicy && { imagePullPolicy: c.imagePullPolicy }),
    ...(c.command && { command: c.command }),
    ...(c.args && { args: c.args }),
    // client-node types a Quantity as a string only; the CRD (like the API server) also takes a number.
    ...(c.env && { env: c.env as V1EnvVar[] }),
    ...(c.resources && { resources: c.resources as V1ResourceRequirements }),
    securityContext: { privileged: true },
    volumeMounts: [{ name: 'kubelet-device-plugins', mountPath: DEVICE_PLUGINS_PATH }, ...(c.volumeMounts ?? [])],
  });
  const podSpec: V1PodSpec = {
    nodeSelector:
      module.spec?.moduleLoader === undefined
        ? { ...module.spec?.selector }
        : {
            [NODE_LABELS.moduleReady(namespace, name)]: '',
            [NODE_LABELS.devicePluginTarget(namespace, name)]: '',
            ...(version && { [VERSION_LABELS.devicePlugin(namespace, name)]: version }),
          },
    priorityClassName: 'system-node-critical',
    containers: plugin === undefined ? [] : [toContainer(plugin.container, 'device-plugin')],
    ...(plugin?.initContainer && { initContainers: [toContainer(plugin.initContainer, 'device-plugin-init')] }),
    volumes: [
      { name: 'kubelet-device-plugins', hostPath: { path: DEVICE_PLUGINS_PATH, type: 'Directory' } },
      ...((plugin?.volumes ?? []) as V1Volume[]),
    ],
    ...(plugin?.automountServiceAccountToken !== undefined && {
      automountServiceAccountToken: plugin.automountServiceAccountToken,
    }),
    ...podExtras(module, serviceAccountName),
  };
  return withSpecHash({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: devicePluginName(name, version),
      namespace: module.metadata.namespace,
      labels,
      ownerReferences: [ownerReference(module)],
    },
    spec: {
      selector: {
        matchLabels: labels,
        matchExpressions: [{ key: LABELS.kernelVersionFull, operator: 'DoesNotExist' }],
      },
      template: { metadata: { labels }, spec: podSpec },
    },
  });
}

function podExtras(module: Module, serviceAccountName: string | undefined): Partial<V1PodSpec> {
  const secret = module.spec?.imageRepoSecret?.name;
  return {
    ...(module.spec?.tolerations && { tolerations: module.spec.tolerations as V1PodSpec['tolerations'] }),
    ...(serviceAccountName && { serviceAccountName }),
    ...(secret && { imagePullSecrets: [{ name: secret }] }),
  };
}
