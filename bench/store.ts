// bench/store: realise a 50-derivation graph cold, then again when everything is cached
// (goal: a no-op realise ≤ 0.5 s). Prints a short table and one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derivation, realise, silentReporter, type Derivation } from '../lib/derivations/index.ts';
import { printResults } from './report.ts';

/** Five layers of ten; each derivation uses two of the layer below; one on top: 51 paths. */
function graph(): Derivation {
  let below: Derivation[] = [];
  for (let layer = 0; layer < 5; layer++) {
    below = Array.from({ length: 10 }, (_, i) =>
      derivation({
        name: `bench-${layer}-${i}`,
        version: '1',
        inputs: below.length ? { a: below[i], b: below[(i + 1) % 10] } : {},
        builder: 'mkdir -p "$out"; echo "${a:-} ${b:-}" > "$out/refs"',
      }),
    );
  }
  return derivation({
    name: 'bench-top',
    version: '1',
    inputs: Object.fromEntries(below.map((d, i) => [`d${i}`, d])),
    builder: 'mkdir -p "$out"',
  });
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

export async function benchStore(): Promise<Record<string, number>> {
  const store = await mkdtemp(join(tmpdir(), 'batu-bench-store-'));
  try {
    const options = { store, report: silentReporter };
    const cold = await seconds(() => realise(graph(), options));
    // A fresh graph object: hashing is redone, as in a new process.
    const noop = await seconds(() => realise(graph(), options));
    const noopMemo = await seconds(async () => {
      const g = graph();
      await realise(g, options);
      await realise(g, options);
    });
    return { graph_paths: 51, cold_realise_s: cold, noop_realise_s: noop, noop_twice_same_graph_s: noopMemo };
  } finally {
    await rm(store, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printResults('store', await benchStore(), { noop_realise_s: 0.5 });
}
