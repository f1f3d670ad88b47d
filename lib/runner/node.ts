// A running UML node: taps made for it, the UML process, its console log, its ready
// summary; stop() halts it and removes everything that was made for it.
import { createWriteStream, type WriteStream } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { processAlive, type Store } from '../derivations/index.ts';
import { parseSpec, type NodeSpec, type NodeSpecInput } from '../cmdline/index.ts';
import { guestMemoryDir } from './boot.ts';
import { mconsole, mconsoleSocket } from './mconsole.ts';
import { commandLine, makeHostDevices } from './launch.ts';
import { powerOff, stopRequested } from './power.ts';
import { NodeRecord, reapDeadNodesOnce, runRoot } from './registry.ts';
import { ReadySummary } from './contract.ts';
import { parseRecord, writeRecord } from '../record.ts';
import { Netns } from './netns.ts';
import { nodeView } from './reach.ts';
import { ConsoleChannel } from './console-channel.ts';
import { stuckReport } from './stuck.ts';

export interface StartOptions {
  /** The store the runner's helpers are built into or found in (default: openStore()). */
  store?: Store;
  /** Run the node (and make its taps) in this namespace. */
  netns?: Netns;
  /** Make the host taps the spec names (default true); owned by tapUser if given. */
  createTaps?: boolean;
  tapUser?: string;
  /** Host tap or device name → host bridge to put it in. */
  attach?: Record<string, string>;
  /** Run UML as this user instead of root (the original ran it as nobody:nogroup). */
  user?: { uid: number; gid: number };
  /**
   * Taps opened by the runner and handed to UML as descriptors: fd number (as in the
   * spec's `transport: 'fd'` interfaces) → host tap, made like the spec's other taps.
   * With `user`, the node then runs unprivileged with exactly these devices.
   */
  tapFds?: Record<number, string>;
  /**
   * Socketpair links from an fdwire server (see lib/mesh): fd number (as in the spec's
   * `transport: 'fd'` interfaces) → [pair, end]. Needs no privilege at all.
   */
  wire?: { server: string; fds: Record<number, [number, 0 | 1]> };
  /** How long a booting node's console may stay silent before its start fails (30 s); see waitForReady. */
  readyTimeoutMs?: number;
  /** Raw kernel parameters appended unvalidated: only for testing the init's own checks. */
  extraArgs?: string[];
  /** Kernel parameters of the runner's own, not the init's (lib/sim: time-travel=ext:…). */
  kernelArgs?: string[];
  /** Extra environment of the UML process (lib/sim: LD_PRELOAD of the seeded getrandom). */
  env?: Record<string, string>;
  /**
   * The consoles on inherited descriptors (`wire` fds) instead of the process's stdout and
   * a pipe: the caller feeds what they print to appendConsole() and gives batctlConsole a
   * channel (lib/sim, where a calendar relays them stamped with simulated time).
   */
  consoles?: { con0: number; batctl?: number };
  /**
   * UML's working directory, against which relative paths in the spec (umlDir, image) and
   * in kernelArgs resolve (lib/sim keeps a node's command line the same in every run).
   */
  cwd?: string;
  /** The runner's name for the node (its run directory, `batu ps`), when the spec's umid is not unique on this host. */
  runId?: string;
  /** Return once UML is spawned, without waiting for the init's ready line (default true: wait). */
  waitReady?: boolean;
  /** Stops the wait for the ready line: the node is killed and the start fails with NodeStartAborted. */
  signal?: AbortSignal;
  /** Default guest memory when the spec has none. */
  mem?: string;
  /** The namespace was made for this node alone: if the starting process dies, the next reap removes it too. */
  ownsNetns?: boolean;
}

const READY_LINE = 'batu-init: ready ';
/** A boot that keeps printing gets this many times the silence allowed before its start fails. */
const READY_PATIENCE = 10;

export class NodeError extends Error {}

/** A start given up on because its caller's signal aborted (the node was killed, nothing stays). */
export class NodeStartAborted extends NodeError {}

export class UmlNode {
  ready!: ReadySummary;
  /** performance.now() when UML was spawned and when its init reported ready. */
  readonly timing: { spawned: number; ready?: number } = { spawned: performance.now() };
  state: 'starting' | 'running' | 'stopped' | 'crashed' = 'starting';
  readonly exited: Promise<void>;
  private console = '';
  /** The guest's batctl console (spec.batctlConsole). */
  batctlConsole?: ConsoleChannel;
  private cleaned?: Promise<void>;

  private constructor(
    readonly spec: NodeSpec,
    readonly runDir: string,
    readonly umlDir: string,
    readonly netns: Netns | undefined,
    private readonly process: ResultPromise,
    private readonly taps: string[],
    private readonly log: WriteStream,
  ) {
    const lines = createInterface({ input: process.all! });
    lines.on('line', (line) => this.appendConsole(`${line}\n`));
    this.exited = (async () => {
      await Promise.all([process.catch(() => {}), new Promise((done) => lines.once('close', done))]);
      // Stopped by `batu stop` from another process, or ended on its own.
      if (this.state !== 'stopped') this.state = stopRequested(this.runDir) ? 'stopped' : 'crashed';
      await this.cleanup();
    })();
  }

  /** Console output: the process's own, or relayed by the caller (StartOptions.consoles). */
  appendConsole(text: string): void {
    const from = Math.max(0, this.console.length - READY_LINE.length);
    this.console += text;
    this.log.write(text);
    // The ready line may come in pieces: looked for from just before this one.
    if (this.timing.ready === undefined && this.console.includes(READY_LINE, from))
      this.timing.ready = performance.now();
  }

  get pid(): number {
    return this.process.pid!;
  }
  get consoleLog(): string {
    return join(this.runDir, 'console.log');
  }
  get consoleText(): string {
    return this.console;
  }
  get mconsoleSocket(): string {
    return mconsoleSocket(this.umlDir, this.spec.umid);
  }
  /** The management address without its prefix, where the guest's services listen. */
  get serviceIp(): string | undefined {
    return this.spec.serviceIp?.split('/')[0];
  }

  static async start(input: NodeSpecInput | NodeSpec, options: StartOptions = {}): Promise<UmlNode> {
    const spec = parseSpec(input); // fails before anything is made
    if (!spec.kernel || !spec.image)
      throw new NodeError(`node ${spec.umid}: spec.kernel and spec.image (store paths) are required to start it`);
    const view = await nodeView(spec, options.user); // or one error, before anything is made
    if (options.signal?.aborted) throw new NodeStartAborted(`node ${spec.umid}: start aborted`);
    // An unprivileged UML needs a uml_dir it may write to.
    const umlDir = resolve(
      options.cwd ?? '.',
      spec.umlDir ?? (options.user ? join(runRoot, `uid-${options.user.uid}`) : runRoot),
    );
    const runId = options.runId ?? spec.umid;
    await mkdir(umlDir, { recursive: true });
    if (options.user && !spec.umlDir) await chown(umlDir, options.user.uid, options.user.gid);
    // Ours (console log, pid, spec), apart from UML's own <uml_dir>/<umid>/ which it manages.
    const runDir = join(runRoot, 'nodes', runId);
    // Taps and namespaces of runs that were killed: once per process (its own nodes clean up after themselves).
    await reapDeadNodesOnce();
    const previous = await readFile(join(runDir, 'pid'), 'utf8').catch(() => undefined);
    if (previous && processAlive(Number(previous)))
      throw new NodeError(`umid ${runId} is already running (pid ${previous}); umids must be unique`);
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { recursive: true });

    const ns = options.netns;
    const taps = await makeHostDevices(spec, options, { runId, runDir, umlDir });
    const record = (pid: number) =>
      writeRecord(join(runDir, 'node.json'), NodeRecord, {
        umid: runId,
        pid,
        netns: ns?.name || undefined, // the current namespace: unnamed
        ownsNetns: options.ownsNetns,
        taps,
        umlDir,
        spec,
      });

    const { command: full, consoleFd } = await commandLine(spec, options, umlDir, view);
    // Extra descriptors up to the console's: ignored, apart from the console itself.
    const extra = consoleFd
      ? Array.from({ length: consoleFd - 2 }, (_, i) => (i + 3 === consoleFd ? 'pipe' : 'ignore'))
      : [];
    const child = execa(full[0], full.slice(1), {
      env: { TMPDIR: guestMemoryDir, ...options.env },
      extendEnv: true,
      all: true,
      reject: false,
      detached: true,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe', ...extra],
    });
    const log = createWriteStream(join(runDir, 'console.log'));
    const node = new UmlNode(spec, runDir, umlDir, ns, child, taps, log);
    if (consoleFd) node.batctlConsole = new ConsoleChannel(child.stdio[consoleFd] as Duplex, spec.umid);
    await writeFile(join(runDir, 'pid'), String(child.pid));
    await record(child.pid!);
    if (options.waitReady === false) return node;
    try {
      node.ready = await node.waitForReady(options.readyTimeoutMs ?? 30_000, options.signal);
      node.state = 'running';
      return node;
    } catch (error) {
      await node.kill();
      throw error;
    }
  }

  /**
   * Waits for the init's ready line while the boot makes progress: a node whose console has
   * printed nothing for `silentMs` is stuck, one that still prints is slow (a loaded machine
   * starting hundreds of nodes), up to READY_PATIENCE times `silentMs` in all.
   */
  private async waitForReady(silentMs: number, signal?: AbortSignal): Promise<ReadySummary> {
    const start = Date.now();
    let heard = { at: start, length: this.console.length };
    for (;;) {
      const ready = this.readySummary();
      if (ready) return ready;
      if (signal?.aborted) throw new NodeStartAborted(`node ${this.spec.umid}: start aborted`);
      if (this.state === 'crashed')
        throw new NodeError(`node ${this.spec.umid} exited before it was ready:\n${this.tail()}`);
      const now = Date.now();
      if (this.console.length !== heard.length) heard = { at: now, length: this.console.length };
      if (now - heard.at > silentMs) {
        const tail = this.tail();
        const report = await stuckReport(this).catch((error: Error) => `no report on it: ${error.message}`);
        throw new NodeError(
          `node ${this.spec.umid} not ready: its console printed nothing for ${silentMs} ms (${now - start} ms after its start).\n${report}\nits console's last lines:\n${tail}`,
        );
      }
      if (now - start > READY_PATIENCE * silentMs)
        throw new NodeError(`node ${this.spec.umid} not ready after ${now - start} ms:\n${this.tail()}`);
      await sleep(20);
    }
  }

  /** The init's ready summary, once its console has printed it. */
  readySummary(): ReadySummary | undefined {
    const m = /^batu-init: ready (\{.*\})$/m.exec(this.console);
    return m ? parseRecord(`node ${this.spec.umid}'s ready line`, m[1], ReadySummary) : undefined;
  }

  tail(lines = 30): string {
    return this.console.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Wait until a console line matches (one printed after offset `since` of consoleText); returns the match. */
  async waitForConsole(pattern: RegExp, timeoutMs = 30_000, since = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.console.slice(since));
      if (m) return m;
      if (Date.now() > deadline || this.state === 'crashed')
        throw new NodeError(`node ${this.spec.umid}: no console line matching ${pattern}:\n${this.tail()}`);
      await sleep(50);
    }
  }

  mconsole(command: string): Promise<string> {
    return mconsole(this.mconsoleSocket, command, { netnsPrefix: this.netns?.prefix });
  }

  /** A clean power-off (power.ts: ctrl-alt-del → init, then halt, SIGTERM, SIGKILL), then the cleanup. */
  async stop(): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') {
      this.state = 'stopped';
      await powerOff({
        mconsole: (command) => this.mconsole(command),
        signal: (sig) => this.signal(sig),
        waitGone: (ms) => Promise.race([this.exited.then(() => true), sleep(ms).then(() => false)]),
      });
    }
    await this.kill();
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      /* already gone */
    }
  }

  /** SIGKILL the node's whole process group and wait for the cleanup. */
  async kill(): Promise<void> {
    if (this.state !== 'crashed') this.state = 'stopped';
    this.signal('SIGKILL');
    await this.exited;
  }

  private cleanup(): Promise<void> {
    this.cleaned ??= (async () => {
      this.signal('SIGKILL'); // UML's helper processes, if the main one died alone
      this.batctlConsole?.close();
      await new Promise((done) => this.log.end(done));
      for (const tap of this.taps) await this.netns?.deleteLink(tap);
      // A node that crashed keeps its console log for a post-mortem; a stopped one leaves nothing.
      if (this.state === 'crashed') {
        await rm(join(this.runDir, 'pid'), { force: true });
        await rm(join(this.runDir, 'node.json'), { force: true });
      } else {
        await rm(this.runDir, { recursive: true, force: true });
      }
      await rm(join(this.umlDir, this.spec.umid), { recursive: true, force: true });
    })();
    return this.cleaned;
  }
}
