// batu store …: look after the store (list, roots, verify, gc, repair, delete, add, export,
// import) and its binary caches (keygen, push, challenge, config); one file a subcommand.
import type { Register } from '../common.ts';
import { addCommand } from './add.ts';
import { challengeCommand } from './challenge.ts';
import { configCommand } from './config.ts';
import { deleteCommand } from './delete.ts';
import { exportCommand } from './export.ts';
import { gcCommand } from './gc.ts';
import { importCommand } from './import.ts';
import { keygenCommand } from './keygen.ts';
import { lsCommand } from './ls.ts';
import { pushCommand } from './push.ts';
import { repairCommand } from './repair.ts';
import { rootsCommand } from './roots.ts';
import { verifyCommand } from './verify.ts';

const subcommands = [
  lsCommand,
  rootsCommand,
  verifyCommand,
  gcCommand,
  repairCommand,
  deleteCommand,
  addCommand,
  exportCommand,
  importCommand,
  keygenCommand,
  pushCommand,
  challengeCommand,
  configCommand,
];

export const register: Register = (program) => {
  const store = program.command('store').description('look after the store');
  for (const make of subcommands) store.addCommand(make());
};
