// `batu mesh debug N`: the gdb command that attaches to a node's UML kernel (the node's host
// process) with the kernel's symbols and each loaded module's at its load address. UML runs
// on signals (SIGSEGV for its page faults, SIGIO, SIGALRM, SIGUSR1…): gdb passes them silently.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { UmlNode } from '../runner/index.ts';

export interface DebugTarget {
  node: string;
  /** The node's UML kernel: the process gdb attaches to. */
  pid: number;
  /** The kernel binary, with its symbols (the debug kernel's with DWARF). */
  kernel: string;
  /** Modules the node has loaded, each file from its image, at the address its text was loaded. */
  modules: { name: string; file: string; text: string }[];
  /** gdb's argv, to run as it is. */
  gdb: string[];
}

const umlSignals = ['SIGSEGV', 'SIGUSR1', 'SIGIO', 'SIGALRM', 'SIGVTALRM', 'SIGWINCH', 'SIGCHLD', 'SIGPIPE'];

/** /proc/modules' lines: `name size refs deps state address`. */
export function loadedModules(procModules: string): { name: string; address: string }[] {
  return procModules
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && /^0x[0-9a-f]+$/.test(f[5]))
    .map((f) => ({ name: f[0], address: f[5] }));
}

/** gdb's argv for a process, a kernel and modules. */
export function gdbCommand(pid: number, kernel: string, modules: DebugTarget['modules']): string[] {
  return [
    'gdb',
    '-q',
    ...umlSignals.flatMap((s) => ['-ex', `handle ${s} nostop noprint pass`]),
    ...modules.flatMap((m) => ['-ex', `add-symbol-file ${m.file} -s .text ${m.text}`]),
    '-p',
    String(pid),
    kernel,
  ];
}

export async function debugTarget(name: string, node: UmlNode): Promise<DebugTarget> {
  const kernel = join(node.spec.kernel!, 'bin/linux');
  const dir = node.spec.image ? join(node.spec.image, 'root/lib/modules') : undefined;
  const files = dir ? await readdir(dir).catch(() => [] as string[]) : [];
  const modules: DebugTarget['modules'] = [];
  if (files.length) {
    // The kernel reads its own module list; mconsole's `proc` shows it with addresses.
    for (const { name: module, address } of loadedModules(await node.mconsole('proc modules'))) {
      const file = files.find((f) => f.replace(/\.ko$/, '').replace(/-/g, '_') === module);
      if (file) modules.push({ name: module, file: join(dir!, file), text: address });
    }
  }
  return { node: name, pid: node.pid, kernel, modules, gdb: gdbCommand(node.pid, kernel, modules) };
}

/** The command as a shell line (arguments with spaces quoted). */
export const shellLine = (argv: string[]) => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
