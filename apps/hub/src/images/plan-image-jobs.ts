// Pure: an ImageRequest becomes at most one build job and one sign job, each with an id that is the hash of
// everything that job reads or writes. The same inputs anywhere in the fleet give the same ids; changing any input
// gives new ones. Nothing here reads the clock, the network or the environment.
import { createHash } from 'node:crypto';
import type { RegistryTLS } from '@kmm-hub/api';
import { forcedBuildArgs, newRenderContext } from '@kmm-hub/kernel';
import type { HashAlgorithm } from '@kmm-hub/kmod-sign';
import { InvalidImageReferenceError, formatImageReference, parseImageReference } from '@kmm-hub/oci';
import { inputVersionKey, type ImageRequest } from './image-pipeline.js';
import type { BuildJobData, ObjectVersion, RegistryTlsFlags, SignJobData } from '../image-queues/jobs.js';

export interface PlanImageJobsOptions {
  /** Hash of module signatures. */
  hash: HashAlgorithm;
  /** Platform of a multi-arch unsigned image to sign. */
  platform: string;
  /** Driver toolkit image per kernel; a listed kernel's build gets the build arg DTK_AUTO. */
  toolkitImages: Readonly<Record<string, string>>;
}

export interface PlannedJob<T> {
  id: string;
  data: T;
}

export type ImageJobPlan =
  | {
      ok: true;
      /** Id of the pipeline: the sign job's when there is a sign, else the build job's. */
      jobId: string;
      build?: PlannedJob<BuildJobData>;
      sign?: PlannedJob<SignJobData>;
    }
  | { ok: false; jobId: string; reason: string };

/** Version of the identity scheme; bump it when the meaning of an input changes. */
const IDENTITY_VERSION = 1;
const UNSIGNED_TAG_PREFIX = 'kmm-unsigned-';
const UNSIGNED_TAG_ID_LENGTH = 32;
const DEFAULT_DIR_NAME = '/opt';

export function planImageJobs(req: ImageRequest, options: PlanImageJobsOptions): ImageJobPlan {
  const problem = findRequestProblem(req);
  if (problem !== undefined)
    return { ok: false, jobId: hashIdentity({ invalid: requestIdentity(req) }), reason: problem };

  const registryTLS = tlsFlags(req.registryTLS);
  const imageRepoSecret = req.imageRepoSecret;
  let build: PlannedJob<BuildJobData> | undefined;
  if (req.build !== undefined) {
    const context = newRenderContext({ name: req.moduleName, namespace: req.moduleNamespace }, req.kernel);
    if (!context.ok) {
      return { ok: false, jobId: hashIdentity({ invalid: requestIdentity(req) }), reason: context.reason };
    }
    const forced: { name: string; value: string }[] = forcedBuildArgs(context.context).map((a) => ({
      name: a.name,
      value: a.value,
    }));
    const toolkit = options.toolkitImages[req.kernel];
    if (toolkit !== undefined) forced.push({ name: 'DTK_AUTO', value: toolkit });
    const forcedNames = new Set<string>(forced.map((a) => a.name));
    const identity = {
      image: req.image,
      kernel: req.kernel,
      signed: req.sign !== undefined,
      moduleName: req.moduleName,
      moduleNamespace: req.moduleNamespace,
      dockerfile: versionOf(req, 'ConfigMap', req.build.dockerfileConfigMap.name ?? ''),
      buildArgs: [...(req.build.buildArgs ?? []).filter((a) => !forcedNames.has(a.name)), ...forced],
      secrets: uniqueNames((req.build.secrets ?? []).map((s) => s.name ?? '')).map((name) =>
        versionOf(req, 'Secret', name),
      ),
      baseImageRegistryTLS: tlsFlags(req.build.baseImageRegistryTLS),
      registryTLS,
      ...(imageRepoSecret !== undefined ? { imageRepoSecret: objectVersion(imageRepoSecret) } : {}),
      ...(req.build.kanikoParams?.tag !== undefined ? { kanikoTag: req.build.kanikoParams.tag } : {}),
      ...(req.build.selector !== undefined && Object.keys(req.build.selector).length > 0
        ? { selector: sortedRecord(req.build.selector) }
        : {}),
    };
    const id = hashIdentity({ build: identity });
    const { signed, ...fields } = identity;
    build = {
      id,
      data: { mcm: req.mcm, ...fields, target: signed ? unsignedTag(req.image, id) : req.image },
    };
  }

  if (req.sign === undefined) {
    // findRequestProblem guarantees a build when there is no sign.
    const only = build as PlannedJob<BuildJobData>;
    return { ok: true, jobId: only.id, build: only };
  }

  const dirName = req.dirName ?? DEFAULT_DIR_NAME;
  const filesToSign = req.sign.filesToSign?.length
    ? [...new Set(req.sign.filesToSign)].toSorted()
    : [`${dirName.replace(/\/+$/, '')}/lib/modules/${req.kernel}/**/*.ko`];
  const signIdentity = {
    image: req.image,
    kernel: req.kernel,
    ...(build !== undefined
      ? { buildJobId: build.id, unsignedImage: build.data.target, unsignedImageRegistryTLS: registryTLS }
      : {
          unsignedImage: req.sign.unsignedImage ?? '',
          unsignedImageRegistryTLS: tlsFlags(req.sign.unsignedImageRegistryTLS),
        }),
    registryTLS,
    keySecret: versionOf(req, 'Secret', req.sign.keySecret.name ?? ''),
    certSecret: versionOf(req, 'Secret', req.sign.certSecret.name ?? ''),
    filesToSign,
    hash: options.hash,
    platform: options.platform,
    ...(imageRepoSecret !== undefined ? { imageRepoSecret: objectVersion(imageRepoSecret) } : {}),
  };
  const signId = hashIdentity({ sign: signIdentity });
  const sign: PlannedJob<SignJobData> = { id: signId, data: { mcm: req.mcm, ...signIdentity } };
  if (build !== undefined) build.data.signJobId = signId;
  return { ok: true, jobId: signId, ...(build !== undefined ? { build } : {}), sign };
}

/** The unsigned tag a build followed by a sign pushes: same repository, a tag named after the build. */
export function unsignedTag(image: string, buildJobId: string): string {
  const ref = parseImageReference(image);
  return formatImageReference({
    registry: ref.registry,
    repository: ref.repository,
    tag: `${UNSIGNED_TAG_PREFIX}${buildJobId.slice(0, UNSIGNED_TAG_ID_LENGTH)}`,
  });
}

/** sha256 of the canonical JSON (keys sorted at every level) of an identity, as 64 hex digits. */
export function hashIdentity(identity: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalJson({ v: IDENTITY_VERSION, ...identity }))
    .digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function findRequestProblem(req: ImageRequest): string | undefined {
  if (req.build === undefined && req.sign === undefined) return 'the image has neither build nor sign';
  try {
    const ref = parseImageReference(req.image);
    if (ref.tag === undefined) return `image ${req.image} must name a tag to push to`;
  } catch (error) {
    return error instanceof InvalidImageReferenceError ? error.message : `image ${req.image} is invalid`;
  }
  if (req.build !== undefined && !req.build.dockerfileConfigMap.name) {
    return 'build.dockerfileConfigMap.name is empty';
  }
  if (req.build?.secrets?.some((s) => !s.name)) return 'build.secrets has an entry without a name';
  if (req.sign !== undefined) {
    if (!req.sign.keySecret.name) return 'sign.keySecret.name is empty';
    if (!req.sign.certSecret.name) return 'sign.certSecret.name is empty';
    if (req.build === undefined) {
      if (!req.sign.unsignedImage) return 'sign.unsignedImage is required when there is no build';
      try {
        parseImageReference(req.sign.unsignedImage);
      } catch (error) {
        return error instanceof InvalidImageReferenceError
          ? error.message
          : `sign.unsignedImage ${req.sign.unsignedImage} is invalid`;
      }
    }
  }
  return undefined;
}

function requestIdentity(req: ImageRequest): Record<string, unknown> {
  const { mcm: _mcm, ...rest } = req;
  return rest;
}

function versionOf(req: ImageRequest, kind: 'ConfigMap' | 'Secret', name: string): ObjectVersion {
  return { name, resourceVersion: req.inputVersions[inputVersionKey(kind, name)] ?? '' };
}

function objectVersion(ref: { name: string; resourceVersion: string }): ObjectVersion {
  return { name: ref.name, resourceVersion: ref.resourceVersion };
}

function tlsFlags(tls: RegistryTLS | undefined): RegistryTlsFlags {
  return { insecure: tls?.insecure ?? false, insecureSkipTLSVerify: tls?.insecureSkipTLSVerify ?? false };
}

function uniqueNames(names: string[]): string[] {
  return [...new Set(names)].toSorted();
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
