// Valid objects for tests, shaped like upstream's hub e2e ManagedClusterModule. Each call returns a fresh copy, so
// a test may mutate what it gets.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { RESOURCES } from './constants.js';
import type {
  Build,
  ManagedClusterModule,
  ManagedClusterModuleSpec,
  Module,
  ModuleLoaderSpec,
  ModuleSpec,
} from './types.js';

/** A ModuleSpec whose moduleLoader is present, so tests can reach into it without non-null assertions. */
export type ModuleSpecWithLoader = ModuleSpec & { moduleLoader: ModuleLoaderSpec };

export function newModuleSpec(overrides: Partial<ModuleSpec> = {}): ModuleSpecWithLoader {
  return {
    selector: { 'node-role.kubernetes.io/worker': '' },
    moduleLoader: {
      container: {
        modprobe: { moduleName: 'mod-example', dirName: '/opt' },
        imagePullPolicy: 'Always',
        kernelMappings: [
          {
            regexp: '^.+$',
            containerImage: 'registry.example.com/$MOD_NAMESPACE/$MOD_NAME:$KERNEL_FULL_VERSION',
            registryTLS: { insecure: true },
            build: { dockerfileConfigMap: { name: 'mod-example' } },
            sign: {
              keySecret: { name: 'signing-key' },
              certSecret: { name: 'signing-cert' },
              filesToSign: ['/opt/lib/modules/${KERNEL_FULL_VERSION}/mod_example.ko'],
            },
          },
        ],
      },
    },
    ...overrides,
  } as ModuleSpecWithLoader;
}

export function newManagedClusterModule(
  overrides: { metadata?: V1ObjectMeta; spec?: Partial<ManagedClusterModuleSpec> } = {},
): ManagedClusterModule & { spec: ManagedClusterModuleSpec & { moduleSpec: ModuleSpecWithLoader } } {
  return {
    apiVersion: RESOURCES.ManagedClusterModule.apiVersion,
    kind: RESOURCES.ManagedClusterModule.kind,
    metadata: { name: 'mod-example', ...overrides.metadata },
    spec: {
      spokeNamespace: 'kmm-operator-system',
      selector: { name: 'minikube' },
      moduleSpec: newModuleSpec(),
      ...overrides.spec,
    } as ManagedClusterModuleSpec & { moduleSpec: ModuleSpecWithLoader },
  };
}

export function newModule(
  overrides: { metadata?: V1ObjectMeta; spec?: Partial<ModuleSpec> } = {},
): Module & { spec: ModuleSpecWithLoader } {
  return {
    apiVersion: RESOURCES.Module.apiVersion,
    kind: RESOURCES.Module.kind,
    metadata: { name: 'mod-example', namespace: 'kmm-operator-system', ...overrides.metadata },
    spec: newModuleSpec(overrides.spec),
  };
}

/**
 * An MCM with one module loader whose single kernel mapping (`regexp`) renders `image` (a template with
 * `${KERNEL_FULL_VERSION}`) from a plain-HTTP registry, as hub tests use against the test environment's registry.
 */
export function newLoaderManagedClusterModule(options: {
  name: string;
  selector: Record<string, string>;
  /** The kernel mapping matches kernels by this regexp, or else exactly the `literal` kernel. */
  regexp?: string;
  literal?: string;
  image: string;
  build?: Build;
  /** Name of the pull Secret (`moduleSpec.imageRepoSecret`). */
  imageRepoSecret?: string;
}): ManagedClusterModule & { spec: ManagedClusterModuleSpec & { moduleSpec: ModuleSpecWithLoader } } {
  return newManagedClusterModule({
    metadata: { name: options.name },
    spec: {
      spokeNamespace: 'kmm',
      selector: options.selector,
      moduleSpec: {
        selector: {},
        ...(options.imageRepoSecret !== undefined && { imageRepoSecret: { name: options.imageRepoSecret } }),
        moduleLoader: {
          container: {
            modprobe: { moduleName: options.name },
            kernelMappings: [
              {
                ...(options.regexp !== undefined ? { regexp: options.regexp } : { literal: options.literal ?? '' }),
                containerImage: options.image,
                ...(options.build && { build: options.build }),
              },
            ],
            registryTLS: { insecure: true },
          },
        },
      },
    },
  });
}
