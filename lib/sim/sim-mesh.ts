// A mesh in simulated time: the same Topology as lib/mesh, every node's clock and every frame
// owned by one calendar (simcal). Nothing runs unless advance() runs it, so what happens
// depends only on the topology, the actions taken between advances, and the seed.
//
// Determinism rules kept here: actions (cut, kill, console requests …) reach the calendar
// only between runs, after every answer of the previous run has been handled; console
// output is taken only from the calendar's stream; nodes get seeded host entropy, fixed
// MACs and a fixed wall clock.
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ConsoleChannel, Descriptors, UmlNode, kernelOffers } from '../runner/index.ts';
import { calendarConsoles, calendarLinks, linkSlot } from './links.ts';
import { seedrandomLibrary } from './helpers.ts';
import { openStore, type StoreLike } from '../derivations/index.ts';
import type { Reporter } from '../derivations/index.ts';
import {
  Topology,
  linkBetween,
  linksOf,
  consoleSide,
  nodeNumber,
  nodeSpec,
  runningNode,
  type LinkProperties,
  type TopologyInput,
} from '../mesh/index.ts';
import {
  BATCTL_SLOT,
  CALENDAR_SOCKET,
  CONSOLE_SLOT,
  Calendar,
  FIRST_LINK_SLOT,
  SLOTS,
  type LinkModel,
} from './calendar.ts';
import { SimNodeError, SimTimeoutError } from './errors.ts';
import { TopologyError } from '../mesh/index.ts';

export const NS_PER_MS = 1_000_000n;
export const NS_PER_S = 1_000_000_000n;

export interface SimOptions {
  /** The store the simulator's helpers are built into or found in (default: openStore()). */
  store?: StoreLike;
  kernel: string;
  image: string;
  kernels?: Record<string, string>;
  images?: Record<string, string>;
  /** Seeds the links' model and every node's entropy: same seed, same run. */
  seed: number | bigint;
  /** Guest memory per node (default 64M). */
  mem?: string;
  /** initramfs (default: each node unpacks its own copy) or hostfs (one read-only tree for all: less memory for big meshes). */
  rootfs?: 'initramfs' | 'hostfs';
  report?: Reporter;
  /** Called when a node's init says ready, at that simulated time (each boot once). */
  onReady?: (ns: bigint, node: string) => void;
  /** Links whose frames go into pcap files from time 0 (`sim run --capture A-B=FILE`). */
  captures?: Capture[];
}

/** A link (by its two nodes) and the pcap file its frames go to. */
export interface Capture {
  a: string;
  b: string;
  file: string;
}

/** The link model of lib/mesh's properties (which are netem's in real time). */
export function linkModel(p: LinkProperties): LinkModel {
  const ns = (ms: number | undefined) => BigInt(Math.round((ms ?? 0) * 1e6));
  return {
    delayNs: ns(p.delayMs),
    jitterNs: ns(p.jitterMs),
    lossPpm: Math.round((p.lossPercent ?? 0) * 10_000),
    rateBps: BigInt(Math.round((p.rateMbit ?? 0) * 1e6)),
  };
}

export class SimMesh {
  readonly nodes = new Map<string, UmlNode>();
  /** Bytes for nodes' batctl consoles, written into the calendar between runs. */
  private readonly outbox: [number, Buffer][] = [];
  private readonly consoles = new Map<number, Duplex>();
  private readonly gone = new Set<string>();
  /** Nodes whose kernel cannot take part (it speaks only the plain protocol). */
  private readonly refused = new Map<string, string>();
  private stopped?: Promise<void>;

  private constructor(
    readonly topology: Topology,
    private readonly options: SimOptions,
    readonly calendar: Calendar,
    private readonly preload: string,
  ) {}

  /** Boot every node of the topology at simulated time 0 and run until all are ready. */
  static async start(input: TopologyInput, options: SimOptions): Promise<SimMesh> {
    const topology = Topology.parse(input);
    const shared = topology.links.find((l) => l.nodes.length > 2);
    if (shared) throw new TopologyError(`link ${shared.nodes.join('-')}: simulated links are point to point`);
    if (topology.offload)
      throw new TopologyError('offload: simulated links carry plain frames (no virtio-net headers)');
    const crowded = topology.nodes.find(
      (n) => topology.links.filter((l) => l.nodes.includes(n.name)).length > SLOTS - FIRST_LINK_SLOT,
    );
    if (crowded)
      throw new TopologyError(
        `node ${crowded.name}: more than ${SLOTS - FIRST_LINK_SLOT} links (the calendar's limit per node)`,
      );
    const store = openStore(options.store);
    const preload = await seedrandomLibrary(store);
    let sim: SimMesh | undefined;
    const calendar = await Calendar.start(store, BigInt(options.seed), {
      output: (k, slot, ns, data) => sim?.output(k, slot, ns, data),
      gone: (k, ns) => sim?.nodeGone(k, ns),
      joined: (k, shared) => sim?.joined(k, shared),
    });
    sim = new SimMesh(topology, options, calendar, preload);
    try {
      topology.links.forEach((link, i) => {
        const [a, b] = link.nodes;
        calendar.link(i, [sim!.numberOf(a), sim!.slotOf(a, i)], [sim!.numberOf(b), sim!.slotOf(b, i)]);
        calendar.shape(i, linkModel(link));
      });
      for (const { a, b, file } of options.captures ?? []) sim.capture(a, b, file);
      for (const node of topology.nodes) await sim.spawn(node.name);
      await sim.untilReady(topology.nodes.map((n) => n.name));
      return sim;
    } catch (error) {
      await sim.stop();
      throw error;
    }
  }

  /** Simulated time now, in ns. */
  get now(): bigint {
    return this.calendar.now;
  }

  numberOf(name: string): number {
    return nodeNumber(this.topology, name);
  }

  node(name: string): UmlNode {
    return runningNode(this.nodes, name);
  }

  linksOf(name: string): number[] {
    return linksOf(this.topology, name);
  }

  private slotOf(name: string, link: number): number {
    return linkSlot(this.linksOf(name).indexOf(link));
  }

  private output(k: number, slot: number, ns: bigint, data: Buffer): void {
    const name = this.topology.nodes[k - 1]?.name;
    if (!name) return;
    if (slot === CONSOLE_SLOT) {
      const node = this.nodes.get(name);
      if (!node) return;
      const booting = node.timing.ready === undefined;
      node.appendConsole(data.toString());
      if (booting && node.timing.ready !== undefined) this.options.onReady?.(ns, name);
    } else if (slot === BATCTL_SLOT) this.consoles.get(k)?.push(data);
  }

  private joined(k: number, shared: boolean): void {
    const name = this.topology.nodes[k - 1]?.name;
    // Linux 6.1's UML, on the plain protocol, never took in its console or network input
    // under the calendar (its clock ran, its interrupts did not): refused, not left to hang.
    if (name && !shared)
      this.refused.set(
        name,
        `node ${name}: its kernel lacks UML's shared-memory time-travel schedule (Linux 6.11+); simulated time needs the 6.12 kernel`,
      );
  }

  private nodeGone(k: number, ns: bigint): void {
    const name = this.topology.nodes[k - 1]?.name;
    if (!name || !this.nodes.has(name)) return;
    this.gone.add(name);
    this.options.report?.(`${name} exited at ${formatNs(ns)}`);
  }

  /** Boots per node so far: a restarted node draws new entropy, as a rebooted router would. */
  private readonly boots = new Map<number, number>();

  /** The seed of node k's host entropy for this boot: the run's seed, the node, its boot count. */
  private entropySeed(k: number): string {
    const boot = (this.boots.get(k) ?? 0) + 1;
    this.boots.set(k, boot);
    return String((BigInt(this.options.seed) << 32n) | (BigInt(k) << 16n) | BigInt(boot));
  }

  /** Start node `name`'s UML (it boots when the calendar runs it). */
  private async spawn(name: string): Promise<UmlNode> {
    const k = this.numberOf(name);
    // The command line seeds the guest's entropy pool too: it names nothing of this run (no
    // temporary paths, no run id). An initramfs is named relative to the simulation's
    // directory (so not even the store's location counts); hostfs wants an absolute root.
    const rootfs = this.options.rootfs ?? 'initramfs';
    const storeImage = this.options.images?.[name] ?? this.options.image;
    let image = storeImage;
    if (rootfs === 'initramfs') {
      image = join('images', name);
      await mkdir(join(this.calendar.dir, 'images'), { recursive: true });
      await symlink(storeImage, join(this.calendar.dir, image)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
    }
    const kernel = this.options.kernels?.[name] ?? this.options.kernel;
    const wakes = await kernelOffers(kernel, 'sim-wake');
    const fds = new Descriptors(this.calendar.fdSocket);
    const consoles = calendarConsoles(k, fds);
    const { spec } = nodeSpec(this.topology, name, {
      umid: name,
      umlDir: 'uml',
      kernel,
      image,
      rootfs,
      mem: this.options.mem,
      backendOf: () => calendarLinks,
      host: consoleSide,
      fds,
    });
    this.calendar.expect(k, wakes);
    this.gone.delete(name);
    const node = await UmlNode.start(spec, {
      cwd: this.calendar.dir,
      runId: `${this.calendar.id}-${name}`,
      ...fds.startOptions(),
      consoles,
      waitReady: false,
      kernelArgs: [
        `time-travel=ext:${k}:${CALENDAR_SOCKET}`,
        // A kernel without `sim-wake` takes in frames only on its own wakeups: a steady tick
        // bounds that wait to 10 ms. One with it is woken for them, and sleeps until then.
        ...(wakes ? [] : ['nohz=off']),
      ],
      env: { LD_PRELOAD: this.preload, BATU_SIM_SEED: this.entropySeed(k) },
    });
    const stream = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, done) => {
        this.outbox.push([k, chunk]);
        done();
      },
    });
    this.consoles.set(k, stream);
    // No wall-clock limit: an answer takes simulated time, which during() limits.
    node.batctlConsole = new ConsoleChannel(stream, spec.umid, 0);
    this.nodes.set(name, node);
    return node;
  }

  /**
   * Run the mesh until simulated time `until` (ns), in steps of at most `stepNs`. Between
   * steps, every answer that came is handled before anything new is sent.
   */
  async advance(until: bigint, stepNs = 100n * NS_PER_MS): Promise<void> {
    while (this.now < until) {
      const next = this.now + stepNs < until ? this.now + stepNs : until;
      await this.step(next);
    }
  }

  private async step(to: bigint): Promise<void> {
    for (const [k, data] of this.outbox.splice(0)) this.calendar.write(k, data);
    await this.calendar.run(to);
    // Answers resolve promises whose reactions may send more: let them all settle first.
    await nextTurn();
    await nextTurn();
  }

  /** Run the simulation while `work` (console requests, say) waits on it; at most `limitNs` of simulated time. */
  async during<T>(work: Promise<T>, { limitNs = 60n * NS_PER_S, stepNs = 10n * NS_PER_MS } = {}): Promise<T> {
    let settled = false;
    const done = work.finally(() => (settled = true));
    done.catch(() => {});
    const deadline = this.now + limitNs;
    while (!settled) {
      if (this.now >= deadline) throw new SimTimeoutError(`no result after ${formatNs(limitNs)} of simulated time`);
      await this.step(this.now + stepNs);
    }
    return done;
  }

  /** Run until every named node's init has said ready (at most `limitNs` of simulated time). */
  async untilReady(names: string[], limitNs = 120n * NS_PER_S): Promise<void> {
    const deadline = this.now + limitNs;
    for (;;) {
      const waiting = names.filter((n) => !this.node(n).readySummary());
      for (const name of names) {
        const refused = this.refused.get(name);
        if (refused) throw new SimNodeError(name, refused);
      }
      for (const name of waiting) {
        if (this.gone.has(name))
          throw new SimNodeError(name, `node ${name} exited while booting:\n${this.node(name).tail()}`);
      }
      if (!waiting.length) break;
      if (this.now >= deadline)
        throw new SimTimeoutError(`${waiting.join(', ')} not ready after ${formatNs(limitNs)} of simulated time`);
      await this.step(this.now + 100n * NS_PER_MS);
    }
    for (const name of names) {
      const node = this.node(name);
      node.ready = node.readySummary()!;
      node.state = 'running';
    }
  }

  private linkIndex(a: string, b: string): number {
    return linkBetween(this.topology, a, b);
  }

  /** Pull the cable now: frames sent into the link from now on are lost. */
  cut(a: string, b: string): void {
    this.calendar.cut(this.linkIndex(a, b));
  }
  restore(a: string, b: string): void {
    this.calendar.restore(this.linkIndex(a, b));
  }
  /** Link a-b's frames into a pcap file, stamped with simulated time (one seed, one capture). */
  capture(a: string, b: string, file: string): void {
    this.calendar.capture(this.linkIndex(a, b), file);
  }
  setLink(a: string, b: string, props: LinkProperties): void {
    const i = this.linkIndex(a, b);
    this.topology.links[i] = { nodes: this.topology.links[i].nodes, ...props };
    this.calendar.shape(i, linkModel(props));
  }

  /** Power loss now: the node stops taking turns, its process is killed. */
  async kill(name: string): Promise<void> {
    const node = this.node(name);
    this.calendar.kill(this.numberOf(name));
    this.nodes.delete(name);
    this.consoles.delete(this.numberOf(name));
    await node.kill();
  }

  /** Boot a killed node again, from now; runs until it is ready. */
  async startNode(name: string): Promise<UmlNode> {
    if (this.nodes.has(name)) throw new SimNodeError(name, `node ${name} is already running`);
    const node = await this.spawn(name);
    await this.untilReady([name]);
    return node;
  }

  stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      await Promise.all([...this.nodes.values()].map((n) => n.kill().catch(() => {})));
      await this.calendar.stop();
    })());
  }
}

/** 12.345678901s → "12.346s" (ms precision is what observations report). */
export function formatNs(ns: bigint): string {
  return `${(Number(ns / NS_PER_MS) / 1000).toFixed(3)}s`;
}
