// A binary cache is a directory of static files, served by any HTTP server or read as file://:
//   batu-cache-info              what the cache is (JSON)
//   <hash>.info                  one store path's signed metadata (JSON, PathInfoSchema)
//   manifests/<hash>.json        its manifest (challenge compares files without the archive)
//   archives/<sha256>.tar.zst    the path as a tar of it, its manifest and its .drv, zstd-compressed
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
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

export class CacheError extends Error {
  /** The cache did not answer (in time, or at all): ask it nothing more this run. */
  readonly unreachable: boolean;
  constructor(message: string, { unreachable = false } = {}) {
    super(message);
    this.unreachable = unreachable;
  }
}

/** What a metadata file may weigh: a cache that sends more is not read further. */
export const metadataLimits = { 'batu-cache-info': 64 * 1024, info: 1024 * 1024, manifest: 256 * 1024 * 1024 };

/**
 * How long a cache may keep a reader waiting: for an answer, and for the next 16 KiB of a
 * body (a server that sends a byte at a time is as stuck as one that sends nothing).
 */
export const defaultCacheTimeoutMs = 20_000;
const stallBytes = 16 * 1024;

export interface CacheReadOptions {
  /** The answer's deadline and the stall window (default {@link defaultCacheTimeoutMs}). */
  timeoutMs?: number;
}

/** One cache's files, whatever serves them. Names are relative to the cache's root. */
export interface Cache {
  url: string;
  /** A file's bytes, or undefined when the cache does not have it. More than `maxBytes` is an error. */
  get(name: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Copy a file into `to`; false when the cache does not have it. More than `maxBytes` is an error. */
  download(name: string, to: string, maxBytes: number, onBytes?: (received: number) => void): Promise<boolean>;
  /** Store a file (its bytes, or a local file) under `name`; readers never see a part of it. */
  put(name: string, data: Buffer | string, options?: { file?: boolean }): Promise<void>;
}

export function openCache(url: string, options: CacheReadOptions = {}): Cache {
  if (url.startsWith('file://')) return directoryCache(url, options);
  if (/^https?:\/\//.test(url)) return httpCache(url, options);
  throw new CacheError(`unknown cache ${JSON.stringify(url)}: expected file:///… or http(s)://…`);
}

function directoryCache(url: string, options: CacheReadOptions): Cache {
  const root = fileURLToPath(url);
  const opened = async (name: string) => {
    const from = createReadStream(join(root, name));
    const found = await new Promise<boolean>((ok, fail) => {
      from.once('open', () => ok(true));
      from.once('error', (e: NodeJS.ErrnoException) =>
        e.code === 'ENOENT' ? ok(false) : fail(new CacheError(`${url}: ${e.message}`)),
      );
    });
    return found ? from : undefined;
  };
  return {
    url,
    async get(name, maxBytes) {
      const from = await opened(name);
      return from && collect(from, atMost(maxBytes, `${url}/${name}`, undefined, metadataLimit));
    },
    async download(name, to, maxBytes, onBytes) {
      const from = await opened(name);
      if (from) await pipeline(from, atMost(maxBytes, `${url}/${name}`, onBytes), createWriteStream(to));
      return !!from;
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

function httpCache(url: string, options: CacheReadOptions): Cache {
  const timeoutMs = options.timeoutMs ?? defaultCacheTimeoutMs;
  const seconds = `${timeoutMs / 1000} s`;
  const at = (name: string) => `${url}/${name}`;
  /** What fetch threw (its cause says why: refused, reset, unknown host) as a CacheError. */
  const unreached = (name: string, e: unknown, unreachable: boolean) =>
    new CacheError(`${at(name)}: ${(e as { cause?: Error }).cause?.message ?? (e as Error).message}`, { unreachable });
  /** The answer's headers within the deadline; its body then read by `use` under the stall watch. */
  const exchange = async <T>(name: string, init: RequestInit, use: (r: Response, s: Transform) => Promise<T>) => {
    const abort = new AbortController();
    let why: CacheError | undefined;
    const stop = (error: CacheError) => {
      why = error;
      abort.abort(error);
    };
    let timer = setTimeout(
      () => stop(new CacheError(`${at(name)}: no answer in ${seconds}`, { unreachable: true })),
      timeoutMs,
    );
    try {
      const response = await fetch(at(name), { ...init, signal: abort.signal });
      clearTimeout(timer);
      // The body must bring stallBytes per window, or the cache counts as stuck.
      let received = 0;
      let mark = 0;
      timer = setInterval(() => {
        if (received - mark < stallBytes)
          stop(new CacheError(`${at(name)}: fewer than ${stallBytes / 1024} KiB in ${seconds}`, { unreachable: true }));
        mark = received;
      }, timeoutMs);
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          received += chunk.length;
          done(null, chunk);
        },
      });
      return await use(response, counted);
    } catch (e) {
      if (why) throw why;
      if (e instanceof CacheError) throw e;
      throw unreached(name, e, true);
    } finally {
      clearTimeout(timer); // the answer's timeout or the stall interval: one call clears either
    }
  };
  const body = (response: Response) => Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  const failed = (name: string, response: Response) =>
    new CacheError(`${at(name)}: HTTP ${response.status} ${response.statusText}`, {
      unreachable: response.status >= 500,
    });
  return {
    url,
    get: (name, maxBytes) =>
      exchange(name, {}, async (response, counted) => {
        if (response.status === 404) return undefined;
        if (!response.ok || !response.body) throw failed(name, response);
        return collect(body(response), counted, atMost(maxBytes, at(name), undefined, metadataLimit));
      }),
    download: (name, to, maxBytes, onBytes) =>
      exchange(name, {}, async (response, counted) => {
        if (response.status === 404) return false;
        if (!response.ok || !response.body) throw failed(name, response);
        await pipeline(body(response), counted, atMost(maxBytes, at(name), onBytes), createWriteStream(to));
        return true;
      }),
    async put(name, data, { file } = {}) {
      // A server that stores what it was sent (nginx's WebDAV PUT writes a temporary file, then renames).
      const sent = file ? (Readable.toWeb(createReadStream(data as string)) as ReadableStream) : (data as Buffer);
      const length = file ? (await stat(data as string)).size : (data as Buffer).length;
      let response: Response;
      try {
        response = await fetch(at(name), {
          method: 'PUT',
          body: sent,
          headers: { 'content-length': String(length) },
          duplex: 'half',
        } as RequestInit);
      } catch (e) {
        throw unreached(name, e, false);
      }
      if (!response.ok) throw failed(name, response);
    },
  };
}

const metadataLimit = 'a cache may send for it';

/** A stream's bytes through `stages`, gathered. */
async function collect(from: Readable, ...stages: Transform[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline([from, ...stages, sink]);
  return Buffer.concat(chunks);
}

/** Passes bytes on until there are more than `max`: a server cannot fill the disk (or memory) with more than it may send. */
function atMost(
  max: number,
  what: string,
  onBytes?: (received: number) => void,
  limit = 'its metadata says',
): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      onBytes?.(seen);
      done(seen > max ? new CacheError(`${what} is larger than the ${max} bytes ${limit}`) : null, chunk);
    },
  });
}

/** Check that `url` is a batu cache (its batu-cache-info); with `create`, an empty one becomes one. */
export async function checkCacheInfo(cache: Cache, { create = false } = {}): Promise<void> {
  const text = await cache.get('batu-cache-info', metadataLimits['batu-cache-info']);
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
  const bytes = await cache.get(infoFile(name), metadataLimits.info);
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
