// Image layers as tar archives: building a deterministic gzip layer from files, and reading a layer's entries
// (gzip or plain tar) with the whiteout rules of the OCI image spec for stacking layers. No network here.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { extract as tarExtract, pack as tarPack, type Header } from 'tar-stream';
import { sha256Digest } from '@kmm-hub/image-reference';
import { MEDIA_TYPE } from './media-types.js';
import { normalizeImagePath } from './path-glob.js';

export interface LayerFile {
  /** Absolute path in the image: `/opt/lib/modules/6.1.0/hello.ko`. */
  path: string;
  content: Uint8Array;
  /** Permission bits; default 0o644. */
  mode?: number;
}

export interface BuiltLayer {
  /** The compressed layer blob. */
  blob: Buffer;
  mediaType: typeof MEDIA_TYPE.OCI_LAYER_GZIP;
  /** sha256 of the compressed blob: the layer's descriptor digest. */
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar: the entry in the config's `rootfs.diff_ids`. */
  diffId: string;
}

export type LayerEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface LayerEntry {
  /** Absolute, normalised path. */
  path: string;
  type: LayerEntryType;
  mode: number;
  size: number;
  /** Target of a symlink or hard link. */
  linkname?: string;
  /** Content of a regular file, read only for files the caller asked for. */
  content?: Buffer;
}

/** What one layer does to the layers below it. */
export interface LayerChanges {
  entries: LayerEntry[];
  /** Paths removed by `.wh.<name>` files, with everything under them. */
  deleted: string[];
  /** Directories emptied of lower-layer content by `.wh..wh..opq`. */
  opaqueDirectories: string[];
}

/** Fixed metadata so the same files always give the same bytes and digests. */
const FIXED_MTIME = new Date(0);
const GZIP_LEVEL = 9;
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';

/**
 * A gzip layer holding exactly `files`, sorted by path, owned by 0:0 with mtime 0 and no user or group names.
 * Parent directories are not written; runtimes create missing ones when they unpack. The same files give the
 * same digest and diffID for a given zlib.
 */
export async function buildLayer(files: readonly LayerFile[]): Promise<BuiltLayer> {
  const byPath = new Map<string, LayerFile>();
  for (const file of files) {
    const path = normalizeImagePath(file.path);
    if (path === undefined) throw new Error(`layer file path "${file.path}" is not a path inside an image`);
    if (path.split('/').some((part) => part.startsWith(WHITEOUT_PREFIX))) {
      throw new Error(`layer file path "${file.path}" uses the reserved whiteout prefix`);
    }
    if (byPath.has(path)) throw new Error(`layer file path "${path}" is given twice`);
    byPath.set(path, file);
  }
  const paths = [...byPath.keys()].toSorted(compareBytes);
  const tar = await packTar(
    paths.map((path) => {
      const file = byPath.get(path) as LayerFile;
      return { path, content: file.content, mode: file.mode ?? 0o644 };
    }),
  );
  const blob = gzipSync(tar, { level: GZIP_LEVEL });
  return {
    blob,
    mediaType: MEDIA_TYPE.OCI_LAYER_GZIP,
    digest: sha256Digest(blob),
    size: blob.byteLength,
    diffId: sha256Digest(tar),
  };
}

/**
 * Reads one layer (gzip or plain tar, detected from its first bytes) and returns its entries and whiteouts.
 * `wantContent(path)` decides which regular files have their content kept.
 */
export async function readLayer(
  source: Readable | Uint8Array,
  wantContent: (path: string) => boolean,
): Promise<LayerChanges> {
  const changes: LayerChanges = { entries: [], deleted: [], opaqueDirectories: [] };
  const extract = tarExtract();
  const feeding = pipeline(decompressed(source), extract);
  // If the loop below stops early the feeding promise rejects too; it is awaited or observed, never dropped.
  feeding.catch(() => undefined);
  for await (const entry of extract) {
    const header = entry.header;
    const path = normalizeImagePath(header.name);
    const base = path?.slice(path.lastIndexOf('/') + 1);
    const keep = path !== undefined && header.type === 'file' && wantContent(path);
    const chunks: Buffer[] = [];
    for await (const chunk of entry) if (keep) chunks.push(chunk as Buffer);
    if (path === undefined || base === undefined) continue;
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (base === OPAQUE_WHITEOUT) {
      changes.opaqueDirectories.push(parent);
    } else if (base.startsWith(WHITEOUT_PREFIX)) {
      changes.deleted.push(joinPath(parent, base.slice(WHITEOUT_PREFIX.length)));
    } else {
      changes.entries.push(toEntry(path, header, keep ? Buffer.concat(chunks) : undefined));
    }
  }
  await feeding;
  return changes;
}

/**
 * The file system that results from stacking layers, bottom first, applying whiteouts and opaque directories:
 * a map from path to the entry that is visible there.
 */
export function stackLayers(layers: readonly LayerChanges[]): Map<string, LayerEntry> {
  const visible = new Map<string, LayerEntry>();
  const removeUnder = (dir: string, includeSelf: boolean): void => {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    for (const path of visible.keys()) {
      if ((includeSelf && path === dir) || path.startsWith(prefix)) visible.delete(path);
    }
  };
  for (const layer of layers) {
    for (const dir of layer.opaqueDirectories) removeUnder(dir, false);
    for (const path of layer.deleted) removeUnder(path, true);
    for (const entry of layer.entries) {
      const below = visible.get(entry.path);
      // Anything but a directory over a directory hides the directory's lower content.
      if (below?.type === 'directory' && entry.type !== 'directory') removeUnder(entry.path, false);
      visible.set(entry.path, entry);
    }
  }
  return visible;
}

function packTar(files: { path: string; content: Uint8Array; mode: number }[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const file of files) {
    pack.entry(
      {
        name: file.path.slice(1),
        type: 'file',
        size: file.content.byteLength,
        mode: file.mode,
        mtime: FIXED_MTIME,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
      },
      file.content,
    );
  }
  pack.finalize();
  return done;
}

async function* decompressed(source: Readable | Uint8Array): AsyncGenerator<Buffer> {
  const iterable: AsyncIterable<unknown> = source instanceof Uint8Array ? Readable.from([Buffer.from(source)]) : source;
  const iterator = iterable[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.byteLength < 4) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, Buffer.from(next.value as Uint8Array)]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.byteLength > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.from(next.value as Uint8Array);
    }
  }
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    throw new Error('zstd-compressed layers are not supported');
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const feeding = pipeline(Readable.from(rest()), gunzip);
    feeding.catch(() => undefined);
    for await (const chunk of gunzip) yield chunk as Buffer;
    await feeding;
    return;
  }
  yield* rest();
}

function toEntry(path: string, header: Header, content: Buffer | undefined): LayerEntry {
  const type: LayerEntryType =
    header.type === 'file' || header.type === 'contiguous-file'
      ? 'file'
      : header.type === 'directory' || header.type === 'symlink' || header.type === 'link'
        ? header.type
        : 'other';
  const entry: LayerEntry = { path, type, mode: header.mode & 0o7777, size: header.size ?? 0 };
  if ((type === 'symlink' || type === 'link') && header.linkname) entry.linkname = header.linkname;
  if (content !== undefined) entry.content = content;
  return entry;
}

function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
