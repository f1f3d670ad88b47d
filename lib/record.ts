// Records batu keeps on disk for other processes (a node's node.json, a mesh's record, a
// store's sidecars): written whole or not at all (a temporary file renamed or linked in),
// read back through their schema, so a half-written or foreign file is named in an error,
// never taken for something it is not.
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { z } from 'zod';
import { formatIssues } from './issues.ts';

/** A record that is there but cannot be read as what it should be. */
export class RecordError extends Error {
  override name = 'RecordError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/**
 * Write a file so readers see either nothing or all of it. `exclusive`: fail with EEXIST if
 * the file exists (of two processes writing one at once, one gets it).
 */
export async function writeAtomic(file: string, data: string, { exclusive = false } = {}): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, data);
  try {
    await (exclusive ? link(temporary, file) : rename(temporary, file));
  } finally {
    if (exclusive) await rm(temporary, { force: true });
  }
}

/** Check `value` against `schema` and write it atomically as JSON. */
export async function writeRecord<S extends z.ZodType>(
  file: string,
  schema: S,
  value: z.input<S>,
  options: { exclusive?: boolean } = {},
): Promise<void> {
  await writeAtomic(file, JSON.stringify(schema.parse(value), null, 2) + '\n', options);
}

/** A record read and checked; undefined if there is none; RecordError naming the file if it is not one. */
export async function readRecord<S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RecordError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseRecord(file, text, schema);
}

/** `text` (from `where`) as a record of `schema`, or RecordError. */
export function parseRecord<S extends z.ZodType>(where: string, text: string, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RecordError(where, `is not JSON, perhaps half-written (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new RecordError(where, `is not a valid record: ${formatIssues(parsed.error)}`);
  return parsed.data;
}
