// The calendar process (simcal, lib/sim/helpers/simcal.c) seen from TypeScript: commands
// in, a single ordered stream of what happened out. Everything a node prints reaches us
// through it, stamped with the node's simulated time, before the `at` that ends a run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { simcalBinary } from './helpers.ts';
import type { Store } from '../derivations/index.ts';
import { SimError } from './errors.ts';

/** The calendar's socket in the simulation's directory. */
export const CALENDAR_SOCKET = 'calendar.sock';

/** Descriptor slots of a node at the calendar: pair number = node * SLOTS + slot. */
export const SLOTS = 16;
export const CONSOLE_SLOT = 0;
export const BATCTL_SLOT = 1;
/** A node's mesh interface j is slot FIRST_LINK_SLOT + j. */
export const FIRST_LINK_SLOT = 2;

export interface LinkModel {
  delayNs: bigint;
  jitterNs: bigint;
  lossPpm: number;
  rateBps: bigint;
}

export interface CalendarEvents {
  /** What a node printed: slot CONSOLE_SLOT or BATCTL_SLOT, at simulated time `ns`. */
  output(node: number, slot: number, ns: bigint, data: Buffer): void;
  /** A node's calendar link closed (it exited), at simulated time `ns`. */
  gone(node: number, ns: bigint): void;
  /** A node registered, with the shared-memory schedule (Linux 6.11+) or the plain protocol. */
  joined(node: number, shared: boolean): void;
}

export interface RunStats {
  now: bigint;
  /** Calendar messages, both ways. */
  messages: bigint;
  /** Frames the nodes sent into links. */
  frames: bigint;
  /** Turns: one node run from its requested time until it waited again. */
  turns: bigint;
}

export class Calendar {
  /** Prefix of this simulation's run ids (the runner's names for its nodes). */
  readonly id = `bts-${randomBytes(3).toString('hex')}`;
  stats: RunStats = { now: 0n, messages: 0n, frames: 0n, turns: 0n };
  private waiting?: { resolve: (s: RunStats) => void; reject: (e: Error) => void };
  private failure?: Error;

  private constructor(
    readonly fdSocket: string,
    /** The simulation's directory: the sockets, and the nodes' working directory. */
    readonly dir: string,
    private readonly process: ResultPromise,
    private readonly events: CalendarEvents,
  ) {}

  /** Start simcal (built into `store` on first use) with the PRNG seed of the links' model. */
  static async start(store: Store, seed: bigint, events: CalendarEvents): Promise<Calendar> {
    const dir = await mkdtemp(join(tmpdir(), 'batu-sim-'));
    const calendarSocket = join(dir, CALENDAR_SOCKET);
    const fdSocket = join(dir, 'fds.sock');
    try {
      const proc = execa(await simcalBinary(store), [calendarSocket, fdSocket, String(seed)], {
        reject: false,
        stdin: 'pipe',
        buffer: false,
      });
      const calendar = new Calendar(fdSocket, dir, proc, events);
      await calendar.listen();
      return calendar;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private listen(): Promise<void> {
    const lines = createInterface({ input: this.process.stdout! });
    let stderr = '';
    this.process.stderr!.on('data', (d: Buffer) => (stderr += d));
    return new Promise((ready, failed) => {
      lines.on('line', (line) => {
        const [kind, ...f] = line.split(' ');
        if (kind === 'ready') ready();
        else if (kind === 'out')
          this.events.output(Number(f[0]), Number(f[1]), BigInt(f[2]), Buffer.from(f[3] ?? '', 'hex'));
        else if (kind === 'gone') this.events.gone(Number(f[0]), BigInt(f[1]));
        else if (kind === 'joined') this.events.joined(Number(f[0]), f[1] === 'shared');
        else if (kind === 'at') {
          this.stats = { now: BigInt(f[0]), messages: BigInt(f[1]), frames: BigInt(f[2]), turns: BigInt(f[3]) };
          const waiting = this.waiting;
          this.waiting = undefined;
          waiting?.resolve(this.stats);
        } else this.fail(new SimError(`simcal: ${line}`));
      });
      void this.process.then((r) => {
        const error = new SimError(`simcal exited (${r.exitCode ?? r.signal}): ${stderr.trim() || 'no message'}`);
        this.fail(error);
        failed(error);
      });
    });
  }

  /** Simulated time now, in ns: where the last run ended. */
  get now(): bigint {
    return this.stats.now;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }

  private send(line: string): void {
    if (this.failure) throw this.failure;
    this.process.stdin!.write(`${line}\n`);
  }

  /**
   * Node k is starting: the next run waits until it has registered. `wakes`: its kernel takes
   * a frame or console input at once (kernel feature `sim-wake`), so the calendar wakes it
   * for them rather than leaving them to its next timer.
   */
  expect(node: number, wakes = false): void {
    this.send(`node ${node}`);
    if (wakes) this.send(`wakes ${node}`);
  }
  link(index: number, a: [node: number, slot: number], b: [node: number, slot: number]): void {
    this.send(`link ${index} ${a[0]} ${a[1]} ${b[0]} ${b[1]}`);
  }
  shape(index: number, m: LinkModel): void {
    this.send(`shape ${index} ${m.delayNs} ${m.jitterNs} ${m.lossPpm} ${m.rateBps}`);
  }
  cut(index: number): void {
    this.send(`cut ${index}`);
  }
  restore(index: number): void {
    this.send(`restore ${index}`);
  }
  /** Write link `index`'s frames to a pcap file from now on (simulated time stamps); none: stop. */
  capture(index: number, file?: string): void {
    this.send(`capture ${index}${file ? ` ${Buffer.from(file).toString('hex')}` : ''}`);
  }
  /** Bytes into node k's batctl console, taken in on its next turn. */
  write(node: number, data: Buffer): void {
    this.send(`send ${node} ${data.toString('hex')}`);
  }
  kill(node: number): void {
    this.send(`kill ${node}`);
  }

  /** Run every node's turns before simulated time `until` (ns). */
  run(until: bigint): Promise<RunStats> {
    if (this.waiting) return Promise.reject(new SimError('the calendar is already running'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      try {
        this.send(`run ${until}`);
      } catch (error) {
        this.waiting = undefined;
        reject(error as Error);
      }
    });
  }

  async stop(): Promise<void> {
    this.process.stdin!.end();
    this.process.kill('SIGTERM');
    await this.process;
    await rm(this.dir, { recursive: true, force: true });
  }
}
