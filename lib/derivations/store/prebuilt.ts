// A prebuilt closure: the store paths an install was made with (batu's container image
// ships one), so batu runs them without evaluating recipes. Evaluation needs the build
// host's toolchain (dpkg-query, gcc, …), which a slim image has not. BATU_PREBUILT names
// the file; it is read once and checked before anything starts.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../../issues.ts';

const storePath = z
  .string()
  .refine((p) => isAbsolute(p), {
    error: (i) => `expected an absolute store path, not ${JSON.stringify(i.input)}`,
    abort: true,
  })
  .refine((p) => existsSync(p), { error: (i) => `${i.input} does not exist` });

export const Prebuilt = z.strictObject({
  /** The UML kernel (linux-v15's path) and the guest image booted by default. */
  kernel: storePath,
  image: storePath,
  /** Host helpers by derivation name (batu-host-helpers, batu-sim-calendar, batu-sim-preload). */
  helpers: z.record(z.string(), storePath).default({}),
});
export type Prebuilt = z.infer<typeof Prebuilt>;

let loaded: { file: string; value: Prebuilt } | undefined;

/** The prebuilt closure BATU_PREBUILT names, or undefined without one. */
export function prebuilt(): Prebuilt | undefined {
  const file = process.env.BATU_PREBUILT;
  if (!file) return undefined;
  if (loaded?.file !== file) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`BATU_PREBUILT=${file}: ${(e as Error).message}`);
    }
    const parsed = Prebuilt.safeParse(data);
    if (!parsed.success)
      throw new Error(`BATU_PREBUILT=${file}: ${formatIssues(parsed.error)}`);
    loaded = { file, value: parsed.data };
  }
  return loaded.value;
}
