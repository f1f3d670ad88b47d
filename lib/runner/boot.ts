// Running a UML kernel as a host process: the argv conventions every node shares.
import { mkdtemp, readdir, readlink, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * Guest memory is a deleted file in $TMPDIR: on a tmpfs it costs no disk I/O.
 * /dev/shm must allow exec (UML maps it executable).
 */
export const guestMemoryDir = existsSync('/dev/shm') ? '/dev/shm' : '/tmp';

/**
 * Bytes of host memory a running UML process's guest memory holds now: the blocks of its
 * memory file (opened O_TMPFILE, or created and unlinked, in guestMemoryDir). A page the
 * guest touched stays until the kernel gives it back (uml-free-page-reporting.patch).
 */
export async function guestMemoryHeld(pid: number): Promise<number> {
  const fds = `/proc/${pid}/fd`;
  let held = 0;
  for (const fd of await readdir(fds)) {
    const target = await readlink(join(fds, fd)).catch(() => '');
    if (!target.startsWith(`${guestMemoryDir}/`) || !target.endsWith(' (deleted)')) continue;
    const { blocks } = await stat(join(fds, fd));
    held = Math.max(held, blocks * 512);
  }
  if (held === 0) throw new Error(`process ${pid} has no guest memory file in ${guestMemoryDir}`);
  return held;
}

let randomisationSwitch: boolean | undefined;

/**
 * Whether this process may turn address randomisation off. A container runtime's default
 * seccomp profile (podman's, containerd's and CRI-O's RuntimeDefault alike) allows
 * personality() only for a few values, not ADDR_NO_RANDOMIZE: setarch -R fails there.
 */
export function mayTurnOffRandomisation(): boolean {
  if (randomisationSwitch === undefined) {
    randomisationSwitch =
      spawnSync('setarch', ['x86_64', '-R', 'setarch', '--version'], { stdio: 'ignore' }).status === 0;
    if (!randomisationSwitch)
      process.stderr.write(
        "batu: address randomisation cannot be turned off here (personality refused, e.g. by a container runtime's " +
          'default seccomp profile): nodes run with it, ~22 MB each instead of ~9\n',
      );
  }
  return randomisationSwitch;
}

/**
 * The host command for a UML kernel. `setarch -R` turns off address randomisation:
 * without it UML sizes its page tables for a ~1 GB gap (~22 MB per node instead of ~9)
 * and small mem= values panic. Where that is refused, the kernel runs as it is.
 */
export function umlCommand(kernel: string, args: string[]): [string, string[]] {
  return mayTurnOffRandomisation() ? ['setarch', ['x86_64', '-R', kernel, ...args]] : [kernel, args];
}

export interface BootResult {
  console: string;
  exitCode: number | undefined;
  /** The signal that ended it, if one did. */
  signal?: string;
  timedOut: boolean;
}

/** Boot a kernel whose init powers off by itself; returns everything it printed. */
export async function bootToPowerOff(
  kernel: string,
  initrd: string,
  extraArgs: string[] = [],
  { timeoutMs = 60_000, mem = '64M' } = {},
): Promise<BootResult> {
  const umlDir = await mkdtemp(join(guestMemoryDir, 'batu-uml-'));
  try {
    const [cmd, argv] = umlCommand(kernel, [
      `mem=${mem}`,
      `initrd=${initrd}`,
      `uml_dir=${umlDir}`,
      'umid=boot',
      'con=none',
      'ssl=none',
      'con0=fd:0,fd:1',
      ...extraArgs,
    ]);
    const run = await execa(cmd, argv, {
      env: { TMPDIR: guestMemoryDir },
      stdin: 'ignore',
      all: true,
      reject: false,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    return { console: run.all ?? '', exitCode: run.exitCode, signal: run.signal, timedOut: run.timedOut };
  } finally {
    await rm(umlDir, { recursive: true, force: true });
  }
}
