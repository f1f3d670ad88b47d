// Runs a builder script: cleared environment, a PATH of only the declared tools, no
// network, and its whole process tree killed with it (also when the realiser is killed).
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { execa } from 'execa';
import type { Tool } from './toolchain.ts';
import type { BuildProgress } from './progress.ts';
import { SOURCE_DATE_EPOCH } from './store.ts';

export const prelude = readFileSync(new URL('./prelude.sh', import.meta.url), 'utf8');

let isolation: Promise<string[]> | undefined;

/**
 * The strongest isolation this machine allows: new network and PID namespaces (the PID
 * namespace dies with its first process, taking every build process with it), else
 * the same as a mapped root user, else none.
 */
function isolationPrefix(): Promise<string[]> {
  isolation ??= (async () => {
    const base = ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--', '/usr/bin/unshare', '--net', '--pid', '--fork', '--kill-child'];
    for (const prefix of [base, [...base, '--map-root-user']]) {
      const probe = await execa(prefix[0], [...prefix.slice(1), '--', 'true'], { reject: false });
      if (probe.exitCode === 0) return [...prefix, '--'];
    }
    process.stderr.write('batu: warning: no network/PID namespaces here; builders run without isolation\n');
    return ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--'];
  })();
  return isolation;
}

export class BuildError extends Error {
  constructor(readonly label: string, readonly logFile: string, tail: string, cause: string) {
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
}

export async function runBuilder(run: BuilderRun): Promise<string> {
  const { scratch } = run;
  const dirs = { build: join(scratch, 'build'), tools: join(scratch, 'tools'), home: join(scratch, 'home'), tmp: join(scratch, 'tmp') };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  for (const tool of run.tools) await symlink(tool.path, join(dirs.tools, tool.command));
  const out = join(scratch, 'out');
  const scriptFile = join(scratch, 'builder.sh');
  await writeFile(scriptFile, `${prelude}\n${run.script}\n`);

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
  const prefix = await isolationPrefix();
  const child = execa(prefix[0], [...prefix.slice(1), join(dirs.tools, 'bash'), '--noprofile', '--norc', scriptFile], {
    env, extendEnv: false, cwd: dirs.build, all: true, buffer: false, reject: false, stdin: 'ignore',
  });
  const lines = createInterface({ input: child.all! });
  // Phase lines get the time since the start in the log, so a slow phase can be found later.
  const started = performance.now();
  const at = () => `(at ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  lines.on('line', (line) => { log.write(line.startsWith('@@batu phase ') ? `${line} ${at()}\n` : `${line}\n`); run.progress.line(line); });
  const [result] = await Promise.all([child, once(lines, 'close')]);
  log.write(`@@batu builder exited ${at()}\n`);
  await new Promise((done) => log.end(done));
  if (result.exitCode !== 0 || result.signal) {
    const tail = (await readFile(run.logFile, 'utf8')).trimEnd().split('\n').slice(-30).join('\n');
    const cause = result.signal ? `killed by ${result.signal}` : result.exitCode !== undefined ? `exit code ${result.exitCode}` : result.message ?? "it did not start";
    throw new BuildError(run.label, run.logFile, tail, cause);
  }
  return out;
}
