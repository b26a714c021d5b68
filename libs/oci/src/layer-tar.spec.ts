import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { extract as tarExtract, pack as tarPack, type Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '@kmm-hub/image-reference';
import { type LayerChanges, type LayerEntry, buildLayer, readLayer, stackLayers } from './layer-tar.js';

const HELLO = { path: '/lib/modules/hello.txt', content: Buffer.from('hello from kmm\n') };
const KO = { path: '/opt/lib/modules/6.1.0-56-amd64/hello.ko', content: Buffer.from('\x7fELF…'), mode: 0o600 };

type TarItem = Partial<Header> & { name: string; body?: string };

/** A plain tar with exactly these entries, as other tools write them. */
async function tarOf(items: TarItem[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
  });
  for (const { body, ...header } of items) pack.entry(header, body ?? '');
  pack.finalize();
  return done;
}

async function headersOf(tar: Buffer): Promise<Header[]> {
  const extract = tarExtract();
  const headers: Header[] = [];
  const feeding = new Promise<void>((resolve, reject) => {
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  extract.on('entry', (header, stream, next) => {
    headers.push(header);
    stream.on('end', () => next());
    stream.resume();
  });
  extract.end(tar);
  await feeding;
  return headers;
}

const everything = (): boolean => true;

describe('buildLayer', () => {
  it('gives the same bytes and digests whatever the order of the files', async () => {
    const a = await buildLayer([HELLO, KO]);
    const b = await buildLayer([KO, HELLO]);
    expect(b.blob.equals(a.blob)).toBe(true);
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
  });

  it('keeps the diffID of a known layer (tar format is stable)', async () => {
    const sut = await buildLayer([HELLO]);
    expect(sut.diffId).toBe('sha256:354229c60e5999be1f55732843f5ed9e22cfcc71f80644a56d4d7162a4787571');
    expect(sut.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('names the blob by the sha256 of the gzip and the diffID by the sha256 of the tar', async () => {
    const sut = await buildLayer([HELLO, KO]);
    expect(sut.digest).toBe(sha256Digest(sut.blob));
    expect(sut.size).toBe(sut.blob.byteLength);
    expect(sut.diffId).toBe(sha256Digest(gunzipSync(sut.blob)));
  });

  it('writes fixed metadata: mtime 0, owner 0:0, no names, relative sorted paths, no gzip timestamp', async () => {
    const sut = await buildLayer([KO, HELLO]);
    expect(sut.blob.readUInt32LE(4)).toBe(0);
    const headers = await headersOf(gunzipSync(sut.blob));
    expect(headers.map((h) => h.name)).toEqual(['lib/modules/hello.txt', 'opt/lib/modules/6.1.0-56-amd64/hello.ko']);
    for (const h of headers) {
      expect(h).toMatchObject({ type: 'file', uid: 0, gid: 0, uname: '', gname: '' });
      expect(h.mtime.getTime()).toBe(0);
    }
    expect(headers.map((h) => h.mode)).toEqual([0o644, 0o600]);
  });

  it('changes the digest when content or mode changes', async () => {
    const base = await buildLayer([HELLO]);
    const content = await buildLayer([{ ...HELLO, content: Buffer.from('hello from kmm!\n') }]);
    const mode = await buildLayer([{ ...HELLO, mode: 0o755 }]);
    expect(new Set([base.digest, content.digest, mode.digest]).size).toBe(3);
  });

  it('normalises paths', async () => {
    const a = await buildLayer([{ path: 'lib//modules/./hello.txt', content: HELLO.content }]);
    expect(a.digest).toBe((await buildLayer([HELLO])).digest);
  });

  it.each([
    [[HELLO, { ...HELLO, path: 'lib/modules/hello.txt' }], 'layer file path "/lib/modules/hello.txt" is given twice'],
    [[{ path: '/a/../../etc/passwd', content: Buffer.alloc(0) }], 'is not a path inside an image'],
    [[{ path: '/', content: Buffer.alloc(0) }], 'is not a path inside an image'],
    [[{ path: '/a/.wh.b', content: Buffer.alloc(0) }], 'uses the reserved whiteout prefix'],
  ])('rejects %j', async (files, message) => {
    await expect(buildLayer(files)).rejects.toThrow(message);
  });
});

describe('readLayer', () => {
  it('reads back a built layer, with content only for the files asked for', async () => {
    const layer = await buildLayer([HELLO, KO]);
    const sut = await readLayer(layer.blob, (path) => path.endsWith('.ko'));
    expect(sut.deleted).toEqual([]);
    expect(sut.opaqueDirectories).toEqual([]);
    expect(sut.entries).toEqual([
      { path: HELLO.path, type: 'file', mode: 0o644, size: HELLO.content.byteLength },
      { path: KO.path, type: 'file', mode: 0o600, size: KO.content.byteLength, content: KO.content },
    ]);
  });

  it('reads an uncompressed tar', async () => {
    const layer = await buildLayer([HELLO]);
    const sut = await readLayer(gunzipSync(layer.blob), everything);
    expect(sut.entries[0]?.content?.toString()).toBe('hello from kmm\n');
  });

  it('reads a stream that arrives one byte at a time', async () => {
    const layer = await buildLayer([HELLO, KO]);
    const bytes = [...layer.blob].map((b) => Buffer.from([b]));
    const sut = await readLayer(Readable.from(bytes), everything);
    expect(sut.entries.map((e) => e.content?.toString('latin1'))).toEqual([
      HELLO.content.toString('latin1'),
      KO.content.toString('latin1'),
    ]);
  });

  it('reports whiteouts, opaque directories, directories and links', async () => {
    const tar = await tarOf([
      { name: './', type: 'directory', mode: 0o755 },
      { name: './etc/', type: 'directory', mode: 0o755 },
      { name: './etc/.wh.old.conf' },
      { name: './var/cache/.wh..wh..opq' },
      { name: './bin/sh', type: 'symlink', linkname: 'busybox', mode: 0o777 },
      { name: './bin/ash', type: 'link', linkname: 'bin/busybox' },
      { name: '../escape', body: 'x' },
    ]);
    const sut = await readLayer(tar, everything);
    expect(sut.deleted).toEqual(['/etc/old.conf']);
    expect(sut.opaqueDirectories).toEqual(['/var/cache']);
    expect(sut.entries).toEqual([
      { path: '/etc', type: 'directory', mode: 0o755, size: 0 },
      { path: '/bin/sh', type: 'symlink', mode: 0o777, size: 0, linkname: 'busybox' },
      { path: '/bin/ash', type: 'link', mode: 0o644, size: 0, linkname: 'bin/busybox' },
    ]);
  });

  it('refuses zstd layers with a clear error', async () => {
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    await expect(readLayer(zstd, everything)).rejects.toThrow('zstd-compressed layers are not supported');
  });

  it('fails on a truncated gzip layer', async () => {
    const layer = await buildLayer([HELLO, KO]);
    await expect(readLayer(layer.blob.subarray(0, layer.blob.byteLength - 20), everything)).rejects.toThrow();
  });
});

function file(path: string, body: string): LayerEntry {
  return { path, type: 'file', mode: 0o644, size: body.length, content: Buffer.from(body) };
}

function changesOf(changes: Partial<LayerChanges>): LayerChanges {
  return { entries: [], deleted: [], opaqueDirectories: [], ...changes };
}

/** What stacking shows: file content, or the entry type for anything else. */
function contents(layers: LayerChanges[]): Record<string, string> {
  return Object.fromEntries([...stackLayers(layers)].map(([path, e]) => [path, e.content?.toString() ?? e.type]));
}

describe('stackLayers', () => {
  it('lets upper files replace lower ones', () => {
    expect(
      contents([changesOf({ entries: [file('/a', 'lower')] }), changesOf({ entries: [file('/a', 'upper')] })]),
    ).toEqual({
      '/a': 'upper',
    });
  });

  it('removes a whited-out file or directory with its subtree', () => {
    const lower = changesOf({
      entries: [file('/d/x', '1'), file('/d/sub/y', '2'), file('/dx', '3'), file('/keep', '4')],
    });
    expect(contents([lower, changesOf({ deleted: ['/d'] })])).toEqual({ '/dx': '3', '/keep': '4' });
  });

  it('empties an opaque directory of lower content but keeps what its own layer adds', () => {
    const lower = changesOf({ entries: [file('/d/x', '1'), file('/e/y', '2')] });
    const upper = changesOf({ opaqueDirectories: ['/d'], entries: [file('/d/z', '3')] });
    expect(contents([lower, upper])).toEqual({ '/e/y': '2', '/d/z': '3' });
  });

  it('hides a directory tree replaced by a file or symlink', () => {
    const lower = changesOf({ entries: [{ path: '/d', type: 'directory', mode: 0o755, size: 0 }, file('/d/x', '1')] });
    const upper = changesOf({ entries: [{ path: '/d', type: 'symlink', mode: 0o777, size: 0, linkname: '/e' }] });
    expect(contents([lower, upper])).toEqual({ '/d': 'symlink' });
  });

  it('lets a later layer re-create a whited-out path', () => {
    const layers = [
      changesOf({ entries: [file('/a', '1')] }),
      changesOf({ deleted: ['/a'] }),
      changesOf({ entries: [file('/a', '3')] }),
    ];
    expect(contents(layers)).toEqual({ '/a': '3' });
  });
});
