// A binary cache is a directory of static files, served by any HTTP server or read as file://:
//   batu-cache-info              what the cache is (JSON)
//   <hash>.info                  one store path's signed metadata (JSON, PathInfoSchema)
//   manifests/<hash>.json        its manifest (challenge compares files without the archive)
//   archives/<sha256>.tar.zst    the path as a tar of it, its manifest and its .drv, zstd-compressed
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { sha256 as sha256Hex } from '../model/schema.ts';
import { storeName } from '../store/store.ts';
import { formatIssues } from '../../issues.ts';

export const CACHE_FORMAT = 'batu-cache-1';

export const CacheInfoSchema = z.object({ format: z.literal(CACHE_FORMAT), compression: z.literal('zstd') });

export const PathInfoSchema = z.strictObject({
  format: z.literal('batu-path-1'),
  /** The store path's base name: <hash>-<name>. */
  name: z.string().regex(storeName, 'expected a store path name'),
  treeHash: sha256Hex,
  /** sha256 of the manifest's canonical JSON (what the signature covers). */
  manifestHash: sha256Hex,
  drvHash: sha256Hex,
  references: z.array(z.string().regex(storeName, 'expected a store path name')),
  /** The bytes of its files, unpacked. */
  size: z.number().int().nonnegative(),
  archive: z.strictObject({
    file: z.string().regex(/^archives\/[0-9a-f]{64}\.tar\.zst$/, 'expected archives/<sha256>.tar.zst'),
    sha256: sha256Hex,
    size: z.number().int().nonnegative(),
    compression: z.literal('zstd'),
  }),
  signatures: z.array(z.string().max(200)).max(16),
});
export type PathInfo = z.infer<typeof PathInfoSchema>;

export const infoFile = (name: string) => `${name.slice(0, 32)}.info`;
export const manifestFile = (name: string) => `manifests/${name.slice(0, 32)}.json`;

export class CacheError extends Error {}

/** One cache's files, whatever serves them. Names are relative to the cache's root. */
export interface Cache {
  url: string;
  /** A file's bytes, or undefined when the cache does not have it. */
  get(name: string): Promise<Buffer | undefined>;
  /** Copy a file into `to`; false when the cache does not have it. More than `maxBytes` is an error. */
  download(name: string, to: string, maxBytes: number): Promise<boolean>;
  /** Store a file (its bytes, or a local file) under `name`; readers never see a part of it. */
  put(name: string, data: Buffer | string, options?: { file?: boolean }): Promise<void>;
}

export function openCache(url: string): Cache {
  if (url.startsWith('file://')) return directoryCache(url);
  if (/^https?:\/\//.test(url)) return httpCache(url);
  throw new CacheError(`unknown cache ${JSON.stringify(url)}: expected file:///… or http(s)://…`);
}

function directoryCache(url: string): Cache {
  const root = fileURLToPath(url);
  const notFound = (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new CacheError(`${url}: ${e.message}`);
  };
  return {
    url,
    get: (name) => readFile(join(root, name)).catch(notFound),
    async download(name, to, maxBytes) {
      const from = createReadStream(join(root, name));
      const opened = await new Promise<boolean>((ok, fail) => {
        from.once('open', () => ok(true));
        from.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? ok(false) : fail(e)));
      });
      if (opened) await pipeline(from, atMost(maxBytes, `${url}/${name}`), createWriteStream(to));
      return opened;
    },
    async put(name, data, { file } = {}) {
      const target = join(root, name);
      await mkdir(dirname(target), { recursive: true });
      const tmp = join(dirname(target), `.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await pipeline(
          file ? createReadStream(data as string) : Readable.from([data as Buffer]),
          createWriteStream(tmp, { mode: 0o644 }),
        );
        await rename(tmp, target);
      } finally {
        await rm(tmp, { force: true });
      }
    },
  };
}

function httpCache(url: string): Cache {
  const at = (name: string) => `${url}/${name}`;
  const request = async (name: string, init?: RequestInit) => {
    try {
      return await fetch(at(name), init);
    } catch (e) {
      const cause = (e as { cause?: Error }).cause?.message;
      throw new CacheError(`${at(name)}: ${cause ?? (e as Error).message}`);
    }
  };
  const failed = (name: string, response: Response) =>
    new CacheError(`${at(name)}: HTTP ${response.status} ${response.statusText}`);
  return {
    url,
    async get(name) {
      const response = await request(name);
      if (response.status === 404) return undefined;
      if (!response.ok) throw failed(name, response);
      return Buffer.from(await response.arrayBuffer());
    },
    async download(name, to, maxBytes) {
      const response = await request(name);
      if (response.status === 404) return false;
      if (!response.ok || !response.body) throw failed(name, response);
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        atMost(maxBytes, at(name)),
        createWriteStream(to),
      );
      return true;
    },
    async put(name, data, { file } = {}) {
      // A server that stores what it was sent (nginx's WebDAV PUT writes a temporary file, then renames).
      const body = file ? (Readable.toWeb(createReadStream(data as string)) as ReadableStream) : (data as Buffer);
      const length = file ? (await stat(data as string)).size : (data as Buffer).length;
      const response = await request(name, {
        method: 'PUT',
        body,
        headers: { 'content-length': String(length) },
        duplex: 'half',
      } as RequestInit);
      if (!response.ok) throw failed(name, response);
    },
  };
}

/** Passes bytes on until there are more than `max`: a server cannot fill the disk with more than it announced. */
function atMost(max: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > max ? new CacheError(`${what} is larger than the ${max} bytes its metadata says`) : null, chunk);
    },
  });
}

/** Check that `url` is a batu cache (its batu-cache-info); with `create`, an empty one becomes one. */
export async function checkCacheInfo(cache: Cache, { create = false } = {}): Promise<void> {
  const text = await cache.get('batu-cache-info');
  if (!text && create) {
    await cache.put(
      'batu-cache-info',
      Buffer.from(JSON.stringify({ format: CACHE_FORMAT, compression: 'zstd' }) + '\n'),
    );
    return;
  }
  if (!text) throw new CacheError(`${cache.url} is not a batu cache: it has no batu-cache-info`);
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch {
    json = undefined; // not JSON: not of the format either
  }
  if (!CacheInfoSchema.safeParse(json).success)
    throw new CacheError(`${cache.url}/batu-cache-info is not of format ${CACHE_FORMAT}`);
}

/** A path's metadata from a cache, checked against the schema; undefined when the cache lacks it. */
export async function readPathInfo(cache: Cache, name: string): Promise<PathInfo | undefined> {
  const bytes = await cache.get(infoFile(name));
  if (!bytes) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new CacheError(`${cache.url}/${infoFile(name)} is not JSON (${(e as Error).message})`);
  }
  const parsed = PathInfoSchema.safeParse(json);
  if (!parsed.success) {
    throw new CacheError(
      `${cache.url}/${infoFile(name)} is malformed: ${formatIssues(parsed.error, { top: '', first: true })}`,
    );
  }
  if (parsed.data.name !== name)
    throw new CacheError(`${cache.url}/${infoFile(name)} describes ${parsed.data.name}, not ${name}`);
  return parsed.data;
}
