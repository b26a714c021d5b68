// The rules of upstream KMM's Module admission webhook (internal/webhook/module.go, validateModule) that look at the
// spec only; ManagedClusterModule and Module validation both run them. Upstream stops at the first failure; we
// report every issue, with the field path it concerns.
import path from 'node:path';
import { RE2JS } from 're2js';
import { checkDns1123Subdomain, checkLabelKey, checkLabelValue } from './kubernetes-names.js';
import type {
  DraSpec,
  ModprobeSpec,
  ModuleLoaderContainerSpec,
  ModuleSpec,
  Sign,
  Toleration,
  Volume,
} from './types.js';
import type { ValidationIssue } from './validation-result.js';

/** hostPath volumes of the device plugin and DRA pods must stay under these folders. */
const ALLOWED_HOST_PATH_ROOTS = ['/dev', '/sys', '/var', '/opt', '/run'] as const;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
/** The CRD default of modprobe.dirName; objects read from the API server already carry it. */
const DEFAULT_MODPROBE_DIR_NAME = '/opt';

export function findModuleSpecIssues(spec: ModuleSpec, at: string): ValidationIssue[] {
  const issues = findTolerationIssues(spec.tolerations ?? [], `${at}.tolerations`);
  // The CRD carries the same rule in CEL; repeated here for objects that never went through an API server.
  if (spec.dra && spec.devicePlugin) {
    issues.push({ path: at, message: 'dra and devicePlugin are mutually exclusive: both are set' });
  }
  if (spec.dra) issues.push(...findDraIssues(spec.dra, `${at}.dra`));
  if (spec.devicePlugin) {
    issues.push(...findHostPathIssues(spec.devicePlugin.volumes ?? [], `${at}.devicePlugin.volumes`));
  }
  if (spec.moduleLoader) {
    issues.push(...findModuleLoaderIssues(spec.moduleLoader.container, `${at}.moduleLoader.container`));
  }
  return issues;
}

/** Upstream (update only): the ordered-upgrade version may change between values, not appear or disappear. */
export function findVersionChangeIssues(
  oldSpec: ModuleSpec | undefined,
  newSpec: ModuleSpec | undefined,
  at: string,
): ValidationIssue[] {
  const oldLoader = oldSpec?.moduleLoader;
  const newLoader = newSpec?.moduleLoader;
  if (!oldLoader || !newLoader) return [];
  const was = oldLoader.container.version ?? '';
  const is = newLoader.container.version ?? '';
  if ((was !== '') === (is !== '')) return [];
  // The same text as the CEL transition rule of the CRDs (libs/api/crds, moduleLoader.container).
  return [
    {
      path: `${at}.moduleLoader.container.version`,
      message: `cannot change from "${was}" to "${is}": version cannot change from empty to set or from set to empty; delete the object and create it again`,
    },
  ];
}

function findTolerationIssues(tolerations: Toleration[], at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  tolerations.forEach((toleration, index) => {
    const item = `${at}[${index}]`;
    const { key = '', operator = '', value = '', effect = '' } = toleration;
    const keyErrors = key === '' ? [] : checkLabelKey(key);
    if (keyErrors.length > 0) {
      issues.push({ path: `${item}.key`, message: `invalid key "${key}": ${keyErrors.join('; ')}` });
    }
    // The next three messages are the CEL rules' of the CRDs word for word.
    if (key === '' && operator !== 'Exists') {
      issues.push({ path: `${item}.operator`, message: `must be "Exists" when key is empty, found "${operator}"` });
    }
    if (toleration.tolerationSeconds !== undefined && effect !== 'NoExecute') {
      issues.push({
        path: `${item}.effect`,
        message: `must be "NoExecute" when tolerationSeconds is set, found "${effect}"`,
      });
    }
    if (operator === 'Equal' || operator === '') {
      const valueErrors = checkLabelValue(value);
      if (valueErrors.length > 0) {
        issues.push({
          path: `${item}.value`,
          message: `invalid value "${value}" for operator "Equal": ${valueErrors.join('; ')}`,
        });
      }
    } else if (operator === 'Exists') {
      if (value !== '') {
        issues.push({ path: `${item}.value`, message: `must be empty when operator is "Exists", found "${value}"` });
      }
    } else {
      // Kubernetes also knows Lt and Gt (feature gate); the KMM webhook accepts only these two.
      issues.push({
        path: `${item}.operator`,
        message: `unsupported operator "${operator}": supported values are "Equal" and "Exists"`,
      });
    }
    if (effect !== '' && !(TAINT_EFFECTS as readonly string[]).includes(effect)) {
      issues.push({
        path: `${item}.effect`,
        message: `unsupported effect "${effect}": supported values are "NoSchedule", "PreferNoSchedule" and "NoExecute"`,
      });
    }
  });
  return issues;
}

function findDraIssues(dra: DraSpec, at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // The upstream spoke webhook also requires Kubernetes ≥ 1.34 for DRA; the hub cannot know, so validateModule
  // checks it when the caller passes the cluster version.
  if (!dra.driverName) {
    issues.push({ path: `${at}.driverName`, message: 'must not be empty' });
  } else {
    const errors = checkDns1123Subdomain(dra.driverName);
    if (errors.length > 0) {
      issues.push({
        path: `${at}.driverName`,
        message: `"${dra.driverName}" is not a DNS subdomain: ${errors.join('; ')}`,
      });
    }
  }
  const seen = new Set<string>();
  (dra.deviceClasses ?? []).forEach(({ name }, index) => {
    const item = `${at}.deviceClasses[${index}].name`;
    const errors = name ? checkDns1123Subdomain(name) : [];
    if (!name) {
      issues.push({ path: item, message: 'must not be empty' });
    } else if (errors.length > 0) {
      issues.push({ path: item, message: `"${name}" is not a DNS subdomain: ${errors.join('; ')}` });
    } else if (seen.has(name)) {
      issues.push({ path: item, message: `duplicate DeviceClass name "${name}"` });
    }
    seen.add(name);
  });
  issues.push(...findHostPathIssues(dra.volumes ?? [], `${at}.volumes`));
  return issues;
}

function findHostPathIssues(volumes: Volume[], at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  volumes.forEach((volume, index) => {
    if (!volume.hostPath) return;
    // Like Go's filepath.Clean: "/dev/../etc" is "/etc" and must not pass as being under /dev.
    const cleaned = path.posix.normalize(volume.hostPath.path || '.').replace(/(.)\/+$/, '$1');
    const allowed = ALLOWED_HOST_PATH_ROOTS.some((root) => cleaned === root || cleaned.startsWith(`${root}/`));
    if (!allowed) {
      issues.push({
        path: `${at}[${index}].hostPath.path`,
        message: `hostPath "${volume.hostPath.path}" is not allowed; only /dev, /sys, /var, /opt and /run paths are permitted`,
      });
    }
  });
  return issues;
}

function findModuleLoaderIssues(container: ModuleLoaderContainerSpec, at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // Go tells "absent" (nil) from "[]"; so do we: an empty inTreeModulesToRemove still counts as set.
  if (container.inTreeModulesToRemove !== undefined && container.inTreeModuleToRemove) {
    issues.push(inTreeConflict(`${at}.inTreeModuleToRemove`, container.inTreeModuleToRemove));
  }
  if (container.containerImage) issues.push(...findImageIssues(container.containerImage, `${at}.containerImage`));
  // Ours, not upstream's webhook: the version is the value of node labels (kmm.node.kubernetes.io/version-module.*
  // and the loader's), so one that cannot be a label value would only fail later, on the spoke, at the first node.
  if (container.version) {
    const errors = checkLabelValue(container.version);
    if (errors.length > 0) {
      issues.push({
        path: `${at}.version`,
        message: `invalid value "${container.version}": must be a label value: ${errors.join('; ')}`,
      });
    }
  }

  (container.kernelMappings ?? []).forEach((mapping, index) => {
    const item = `${at}.kernelMappings[${index}]`;
    if (mapping.regexp && mapping.literal) {
      issues.push({
        path: item,
        message: `regexp "${mapping.regexp}" and literal "${mapping.literal}" are mutually exclusive`,
      });
    } else if (!mapping.regexp && !mapping.literal) {
      issues.push({ path: item, message: 'one of regexp and literal is required' });
    }
    if (mapping.regexp) {
      const error = compileRe2(mapping.regexp);
      if (error) {
        issues.push({
          path: `${item}.regexp`,
          message: `"${mapping.regexp}" is not a valid RE2 regular expression: ${error}`,
        });
      }
    }
    if (mapping.containerImage) {
      issues.push(...findImageIssues(mapping.containerImage, `${item}.containerImage`));
    } else if (!container.containerImage) {
      issues.push({
        path: `${item}.containerImage`,
        message: 'must be set when the container has no containerImage (both are empty)',
      });
    }
    if (mapping.inTreeModulesToRemove !== undefined && mapping.inTreeModuleToRemove) {
      issues.push(inTreeConflict(`${item}.inTreeModuleToRemove`, mapping.inTreeModuleToRemove));
    }
    if (mapping.inTreeModulesToRemove !== undefined && container.inTreeModuleToRemove) {
      issues.push({
        path: item,
        message: `the container sets the deprecated inTreeModuleToRemove "${container.inTreeModuleToRemove}" and this kernel mapping inTreeModulesToRemove; use inTreeModulesToRemove in both`,
      });
    } else if (mapping.inTreeModuleToRemove && container.inTreeModulesToRemove !== undefined) {
      issues.push({
        path: item,
        message: `the container sets inTreeModulesToRemove and this kernel mapping the deprecated inTreeModuleToRemove "${mapping.inTreeModuleToRemove}"; use inTreeModulesToRemove in both`,
      });
    }
  });

  issues.push(...findModprobeIssues(container.modprobe, `${at}.modprobe`));

  const dirName = container.modprobe.dirName ?? DEFAULT_MODPROBE_DIR_NAME;
  if (container.sign) issues.push(...findSignIssues(container.sign, dirName, `${at}.sign`));
  (container.kernelMappings ?? []).forEach((mapping, index) => {
    if (mapping.sign) issues.push(...findSignIssues(mapping.sign, dirName, `${at}.kernelMappings[${index}].sign`));
  });
  return issues;
}

/** The same text as the CEL rule of the CRDs. */
function inTreeConflict(at: string, inTreeModuleToRemove: string): ValidationIssue {
  return {
    path: at,
    message: `"${inTreeModuleToRemove}" and inTreeModulesToRemove are mutually exclusive; use inTreeModulesToRemove`,
  };
}

/** The whole upstream "tag or digest" check: `host:5000/img` passes because of the port's colon. */
function findImageIssues(image: string, at: string): ValidationIssue[] {
  if (image.includes(':') || image.includes('@')) return [];
  return [{ path: at, message: `image "${image}" must set a tag or a digest` }];
}

function compileRe2(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function findModprobeIssues(modprobe: ModprobeSpec, at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const moduleName = modprobe.moduleName ?? '';
  const hasRawLoad = (modprobe.rawArgs?.load?.length ?? 0) > 0;
  const hasRawUnload = (modprobe.rawArgs?.unload?.length ?? 0) > 0;
  if (moduleName !== '') {
    if (hasRawLoad || hasRawUnload)
      issues.push({ path: `${at}.rawArgs`, message: `must not be set when moduleName is set ("${moduleName}")` });
  } else if (!hasRawLoad || !hasRawUnload) {
    issues.push({ path: `${at}.moduleName`, message: 'required unless both rawArgs.load and rawArgs.unload are set' });
  }

  const order = modprobe.modulesLoadingOrder;
  if (order !== undefined) {
    const item = `${at}.modulesLoadingOrder`;
    if (order.length < 2) {
      const found = order.length === 0 ? 'none' : `only "${order[0]}"`;
      issues.push({ path: item, message: `must list at least two modules, found ${found}` });
    }
    if (moduleName === '') {
      issues.push({ path: item, message: 'requires moduleName, which is empty' });
    } else if (order.length > 0 && order[0] !== moduleName) {
      issues.push({
        path: item,
        message: `must start with moduleName "${moduleName}", found "${order[0]}"`,
      });
    }
    const seen = new Set<string>();
    order.forEach((name, index) => {
      if (seen.has(name)) issues.push({ path: `${item}[${index}]`, message: `duplicate module "${name}"` });
      seen.add(name);
    });
  }
  return issues;
}

function findSignIssues(sign: Sign, dirName: string, at: string): ValidationIssue[] {
  const files = sign.filesToSign ?? [];
  if (files.length === 0) return [{ path: `${at}.filesToSign`, message: 'required when sign is set' }];
  return files.flatMap((file, index) =>
    file.startsWith(`${dirName}/`)
      ? []
      : [{ path: `${at}.filesToSign[${index}]`, message: `"${file}" must be under modprobe.dirName "${dirName}"` }],
  );
}
