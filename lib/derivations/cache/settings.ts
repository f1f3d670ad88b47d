// A store's cache settings: which binary caches realise asks, and which keys it trusts.
// Flags beat environment variables (BATU_SUBSTITUTERS, BATU_TRUSTED_KEYS), which beat
// the store's own <store>/.config.json (written by `batu store config`).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parsePublicKey, type PublicKey } from './signing.ts';
import { defaultCacheTimeoutMs } from './cache.ts';
import { openStore, writeAtomic, type StoreLike } from '../store/store.ts';
import { formatIssues } from '../../issues.ts';

const cacheUrl = z
  .string()
  .regex(/^(file:\/\/\/|https?:\/\/)\S+$/, 'expected a file:///… or http(s):// URL')
  .transform((u) => u.replace(/\/+$/, ''));

export const StoreConfigSchema = z.strictObject({
  substituters: z.array(cacheUrl).default([]),
  trustedKeys: z.array(z.string()).default([]),
});
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

export interface CacheSettings {
  substituters: string[];
  trustedKeys: PublicKey[];
  /** How long an HTTP cache may keep realise waiting (its answer; each 16 KiB of a body). */
  timeoutMs: number;
}

/** What callers may give instead of the environment and the store's config. */
export interface CacheOptions {
  /** Cache URLs (a list, or one string separated by spaces or commas). */
  substituters?: string[] | string;
  /** Keys as NAME:base64 or .pub files (a list, or one string separated by spaces or commas), or parsed. */
  trustedKeys?: (string | PublicKey)[] | string;
  /** false: ask no cache (--no-substitute). */
  substitute?: boolean;
  /** How long an HTTP cache may keep realise waiting, in ms (default: BATU_CACHE_TIMEOUT seconds, or 20 s). */
  cacheTimeoutMs?: number;
}

const configFile = (store: StoreLike) => openStore(store).configFile;

export async function readStoreConfig(store: StoreLike): Promise<StoreConfig> {
  if (!existsSync(configFile(store))) return StoreConfigSchema.parse({});
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configFile(store), 'utf8'));
  } catch (e) {
    throw new Error(`${configFile(store)} is not JSON (${(e as Error).message}); batu store config rewrites it`);
  }
  return checkConfig(json, `${configFile(store)} is not a store config`);
}

function checkConfig(value: unknown, what: string): StoreConfig {
  const parsed = StoreConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(`${what}: ${formatIssues(parsed.error, { top: '', first: true })}`);
}

export async function writeStoreConfig(store: StoreLike, config: Partial<StoreConfig>): Promise<StoreConfig> {
  const next = checkConfig({ ...(await readStoreConfig(store)), ...config }, 'bad store config');
  next.trustedKeys = parsePublicKeys(next.trustedKeys).map((k) => k.text); // checked, and .pub files read, before writing
  await writeAtomic(configFile(store), JSON.stringify(next, null, 2) + '\n');
  return next;
}

/** A list as flags and environment variables give it: entries separated by spaces or commas. */
export const splitList = (value: string[] | string): string[] =>
  (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);

const list = (value: string[] | string | undefined) => (value === undefined ? undefined : splitList(value));

/** Keys as BATU_TRUSTED_KEYS or --trusted-keys give them: NAME:base64 or .pub files. */
export const parsePublicKeys = (keys: string[] | string): PublicKey[] => splitList(keys).map(parsePublicKey);

const toKeys = (keys: (string | PublicKey)[] | string): PublicKey[] =>
  (Array.isArray(keys) ? keys : [keys]).flatMap((k) => (typeof k === 'string' ? parsePublicKeys(k) : [k]));

function checkUrl(url: string): string {
  const parsed = cacheUrl.safeParse(url);
  if (!parsed.success)
    throw new Error(`bad binary cache ${JSON.stringify(url)}: ${formatIssues(parsed.error, { top: '', first: true })}`);
  return parsed.data;
}

export async function cacheSettings(store: StoreLike, given: CacheOptions = {}): Promise<CacheSettings> {
  const config = await readStoreConfig(store);
  const substituters =
    given.substitute === false
      ? []
      : (list(given.substituters) ?? list(process.env.BATU_SUBSTITUTERS) ?? config.substituters).map(checkUrl);
  const trustedKeys =
    given.trustedKeys !== undefined
      ? toKeys(given.trustedKeys)
      : parsePublicKeys(list(process.env.BATU_TRUSTED_KEYS) ?? config.trustedKeys);
  return { substituters, trustedKeys, timeoutMs: given.cacheTimeoutMs ?? timeoutFromEnv() };
}

function timeoutFromEnv(): number {
  const text = process.env.BATU_CACHE_TIMEOUT;
  if (text === undefined || text === '') return defaultCacheTimeoutMs;
  const seconds = Number(text);
  if (!(seconds > 0 && seconds <= 3600))
    throw new Error(`bad BATU_CACHE_TIMEOUT ${JSON.stringify(text)}: expected seconds, more than 0 and at most 3600`);
  return seconds * 1000;
}
