#!/usr/bin/env node
// batu's command line. Each command is a module in commands/ with its own usage and
// options, registered by one line in the table below (batctl's layout); commander parses.
// Errors are one line (`batu: error: …`) and a non-zero exit.
import { Command, CommanderError } from 'commander';
import { register as alfred } from './commands/alfred.ts';
import { register as batctl } from './commands/batctl.ts';
import { register as build } from './commands/build.ts';
import type { Register } from './commands/common.ts';
import { register as fs } from './commands/fs.ts';
import { register as gateway } from './commands/gateway/index.ts';
import { register as matrix } from './commands/matrix.ts';
import { register as mesh } from './commands/mesh/index.ts';
import { register as mount } from './commands/mount.ts';
import { register as pins } from './commands/pins.ts';
import { register as ps } from './commands/ps.ts';
import { register as respondd } from './commands/respondd.ts';
import { register as run } from './commands/run.ts';
import { register as sim } from './commands/sim.ts';
import { register as start } from './commands/start.ts';
import { register as stop } from './commands/stop.ts';
import { register as store } from './commands/store/index.ts';
import { register as vis } from './commands/vis.ts';

const commands: Register[] = [
  build,
  store,
  pins, // the build side
  run,
  start,
  ps,
  stop,
  batctl,
  alfred,
  vis,
  fs,
  mount, // single nodes
  mesh, // whole meshes
  sim, // meshes in simulated time
  matrix, // batman-adv against kernels and its options, for CI
  gateway, // a Freifunk gateway
  respondd, // and the map
];

const program = new Command('batu')
  .description(
    'B.A.T.M.A.N. advanced in userland: reproducible User Mode Linux mesh nodes.\n' +
      "The store is --store, else BATU_STORE, else a checkout's store/, else /var/cache/batu/store for root and ~/.cache/batu/store for others.",
  )
  .enablePositionalOptions() // so batctl/alfred/exec pass their own options through
  .showHelpAfterError('(batu --help lists the commands)')
  .configureOutput({ outputError: (text, write) => write(`batu: ${text}`) })
  .exitOverride();
for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander printed it already (usage errors; --help and --version exit 0).
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`batu: error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
