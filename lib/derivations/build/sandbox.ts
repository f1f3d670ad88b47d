// Runs a builder script in a sandbox (Debian's bubblewrap, as Nix's builders run): an
// unprivileged user, a cleared environment, a PATH of only the declared tools, no network,
// only its inputs and its scratch directory visible, and its whole process tree killed with
// it (also when the realiser is killed).
import { createWriteStream, existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { execa } from 'execa';
import type { Tool } from './toolchain.ts';
import type { BuildProgress } from './progress.ts';
import { SOURCE_DATE_EPOCH } from '../store/store.ts';

export const prelude = readFileSync(new URL('./prelude.sh', import.meta.url), 'utf8');

/** Builders run as this unprivileged user when batu runs as root (Nix's nixbld users): nobody. */
export const buildUser = { uid: 65534, gid: 65534 };

type Isolation = 'bwrap' | 'unshare' | 'none';
let isolation: Promise<Isolation> | undefined;

/**
 * The strongest isolation this machine allows: bubblewrap (a mount namespace that shows
 * only the system's programs, the inputs read-only and the scratch directory; no network;
 * its processes die with it), else new network and PID namespaces, else none.
 */
function isolationKind(): Promise<Isolation> {
  isolation ??= (async () => {
    const probe = (cmd: string[]) => execa(cmd[0], cmd.slice(1), { reject: false }).then((r) => r.exitCode === 0);
    if (await probe([...asBuildUser(), '/usr/bin/bwrap', ...systemBinds(), '--unshare-all', '--', '/usr/bin/true']))
      return 'bwrap';
    process.stderr.write(
      'batu: warning: bubblewrap (Debian package bubblewrap) does not work here; builders run without a sandbox, in network and PID namespaces at best\n',
    );
    const unshare = ['/usr/bin/unshare', '--net', '--pid', '--fork', '--kill-child'];
    for (const prefix of [unshare, [...unshare, '--map-root-user']])
      if (await probe([...prefix, '--', '/usr/bin/true'])) return 'unshare';
    return 'none';
  })();
  return isolation;
}

const asRoot = () => process.getuid?.() === 0;

/** setpriv to the build user when batu runs as root; the whole sandbox dies with the realiser. */
function asBuildUser(drop = asRoot()): string[] {
  const creds = drop ? ['--reuid', String(buildUser.uid), '--regid', String(buildUser.gid), '--clear-groups'] : [];
  return ['/usr/bin/setpriv', '--pdeathsig', 'KILL', ...creds, '--'];
}

const warned = new Set<string>();

/**
 * Whether the build user can reach `dir` (every ancestor searchable by others). When it
 * cannot (a store below a 0700 directory), root runs the sandbox, mapped to the build user
 * inside: it still sees only what is bound in, read-only but for its scratch.
 */
function reachable(dir: string): boolean {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const st = statSync(d);
    if (st.uid !== buildUser.uid && (st.mode & 0o001) === 0) {
      if (!warned.has(dir)) {
        warned.add(dir);
        process.stderr.write(
          `batu: note: the build user (uid ${buildUser.uid}) cannot reach the store ${dir} (${d} is mode ${(st.mode & 0o777).toString(8)}); builders run sandboxed as root mapped to it\n`,
        );
      }
      return false;
    }
    if (d === dirname(d)) return true;
  }
}

/** The host's programs and what they need from /etc, read-only (the toolchain is hashed by version). */
function systemBinds(): string[] {
  const binds = ['--ro-bind', '/usr', '/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib64']) {
    if (!existsSync(dir)) continue;
    binds.push(...(lstatSync(dir).isSymbolicLink() ? ['--symlink', readlinkSync(dir), dir] : ['--ro-bind', dir, dir]));
  }
  for (const file of ['/etc/alternatives', '/etc/ld.so.cache', '/etc/passwd', '/etc/group']) {
    if (existsSync(file)) binds.push('--ro-bind', file, file);
  }
  return binds;
}

/** The command prefix for one build: only `visible` (read-only) and `scratch` (read-write) from the store. */
async function sandboxPrefix(run: BuilderRun): Promise<string[]> {
  switch (await isolationKind()) {
    case 'bwrap': {
      const drop = asRoot() && reachable(dirname(dirname(run.scratch)));
      const mapped =
        asRoot() && !drop ? ['--unshare-user', '--uid', String(buildUser.uid), '--gid', String(buildUser.gid)] : [];
      return [
        ...asBuildUser(drop),
        '/usr/bin/bwrap',
        '--unshare-all',
        ...mapped,
        '--die-with-parent',
        '--new-session',
        '--hostname',
        'batu',
        ...systemBinds(),
        '--proc',
        '/proc',
        '--dev',
        '/dev',
        ...run.visible.flatMap((p) => ['--ro-bind', p, p]),
        ...(run.sandboxPaths ?? []).flatMap((p) => ['--bind', p, p]),
        '--bind',
        run.scratch,
        run.scratch,
        '--remount-ro',
        '/',
        '--chdir',
        join(run.scratch, 'build'),
        '--',
      ];
    }
    case 'unshare':
      return [
        '/usr/bin/setpriv',
        '--pdeathsig',
        'KILL',
        '--',
        '/usr/bin/unshare',
        '--net',
        '--pid',
        '--fork',
        '--kill-child',
        '--',
      ];
    case 'none':
      return ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--'];
  }
}

export class BuildError extends Error {
  constructor(
    readonly label: string,
    readonly logFile: string,
    tail: string,
    cause: string,
  ) {
    super(`building ${label} failed (${cause}). Last lines of ${logFile}:\n${tail}`);
  }
}

export interface BuilderRun {
  label: string;
  script: string;
  env: Record<string, string>;
  tools: Tool[];
  /** A fresh scratch directory: holds build/, out/, tools/, home/, tmp/. */
  scratch: string;
  logFile: string;
  progress: BuildProgress;
  /** Store paths the builder may read: its inputs and what they reference. */
  visible: string[];
  /** Host paths the caller lets the builder write (tests), like Nix's extra-sandbox-paths. */
  sandboxPaths?: string[];
}

export async function runBuilder(run: BuilderRun): Promise<string> {
  const { scratch } = run;
  const dirs = {
    build: join(scratch, 'build'),
    tools: join(scratch, 'tools'),
    home: join(scratch, 'home'),
    tmp: join(scratch, 'tmp'),
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  for (const tool of run.tools) await symlink(tool.path, join(dirs.tools, tool.command));
  const out = join(scratch, 'out');
  const scriptFile = join(scratch, 'builder.sh');
  await writeFile(scriptFile, `${prelude}\n${run.script}\n`);
  // the build user reads these, whatever the realiser's umask (077 would keep them root's)
  await chmod(dirs.tools, 0o755);
  await chmod(scriptFile, 0o644);

  const env = {
    ...run.env,
    PATH: dirs.tools,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    LC_ALL: 'C',
    TZ: 'UTC',
    SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH),
    BATU_CORES: String(availableParallelism()),
    out,
  };
  const log = createWriteStream(run.logFile);
  // A log that cannot be written (a full disk) fails the build, not the process.
  let logError: Error | undefined;
  log.on('error', (e) => (logError ??= e));
  const prefix = await sandboxPrefix(run);
  // The build user owns what it writes; the store's files go back to root after the build.
  const dropped = prefix.includes('--reuid');
  if (dropped)
    for (const dir of [scratch, ...Object.values(dirs).filter((d) => d !== dirs.tools)])
      await chown(dir, buildUser.uid, buildUser.gid);
  const child = execa(prefix[0], [...prefix.slice(1), join(dirs.tools, 'bash'), '--noprofile', '--norc', scriptFile], {
    env,
    extendEnv: false,
    cwd: dirs.build,
    all: true,
    buffer: false,
    reject: false,
    stdin: 'ignore',
  });
  const lines = createInterface({ input: child.all! });
  // Phase lines get the time since the start in the log, so a slow phase can be found later.
  const started = performance.now();
  const at = () => `(at ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  lines.on('line', (line) => {
    log.write(line.startsWith('@@batu phase ') ? `${line} ${at()}\n` : `${line}\n`);
    run.progress.line(line);
  });
  const [result] = await Promise.all([child, once(lines, 'close')]);
  log.write(`@@batu builder exited ${at()}\n`);
  if (!log.destroyed) await new Promise((done) => log.end(done));
  // A failed write destroys the stream at once but emits its 'error' a tick later (seen: 3 of
  // 50 full-disk builds read as an empty log): the stream's own record is the one to trust.
  logError ??= log.errored ?? undefined;
  if (logError) throw new BuildError(run.label, run.logFile, '', `its log could not be written: ${logError.message}`);
  if (result.exitCode !== 0 || result.signal) {
    const tail = (await readFile(run.logFile, 'utf8')).trimEnd().split('\n').slice(-30).join('\n');
    const cause = result.signal
      ? `killed by ${result.signal}`
      : result.exitCode !== undefined
        ? `exit code ${result.exitCode}`
        : (result.message ?? 'it did not start');
    throw new BuildError(run.label, run.logFile, tail, cause);
  }
  if (dropped && existsSync(out)) await execa('chown', ['-hR', '0:0', out]);
  return out;
}
