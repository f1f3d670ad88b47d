// One soak worker (bench/soak.ts kills it with SIGKILL at random moments):
//   soak-worker.ts STORE realise SEED | gc | import TARBALL
import { createReadStream } from 'node:fs';
import { gc, importClosure, realise, silentReporter } from '../lib/derivations/index.ts';
import { soakGraph } from './soak-graph.ts';

const [store, op, arg] = process.argv.slice(2);
if (op === 'realise') {
  const targets = soakGraph();
  await realise(targets[Number(arg) % targets.length], { store, report: silentReporter });
} else if (op === 'gc') {
  await gc({ store, report: silentReporter });
} else if (op === 'import') {
  await importClosure(createReadStream(arg), { store });
} else throw new Error(`unknown op ${op}`);
