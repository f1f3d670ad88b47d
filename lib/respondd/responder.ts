// A respondd responder on the clients' side only. One UDP socket on the respondd port joins
// both respondd groups on each client-side interface; a request is answered only when it
// came from one of them: from a link-local address scoped to that interface (Node names the
// scope: fe80::1%br-dom1), or from inside that side's prefixes. Anything else, the uplink
// above all, is dropped unanswered (an answer is many times its request: an amplifier), and
// so is what exceeds the rate limits: a token bucket per source address, and one for all.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import ipaddr from 'ipaddr.js';
import { encodeReply, parseRequest, RESPONDD_GROUPS, RESPONDD_PORT, type Section } from './protocol.ts';

export interface ResponddSide {
  /** The client-side interface (a gateway domain's client bridge). */
  interface: string;
  /** Its clients' prefixes (CIDR): requests from there are answered too (site-wide multicast, unicast). */
  prefixes: string[];
  /** The sections' data, asked afresh for each request. */
  data(sections: Section[]): Promise<Partial<Record<Section, unknown>>>;
}

export interface RateLimit {
  /** Requests per second, sustained. */
  rate: number;
  /** Requests at once. */
  burst: number;
}

export interface ResponderOptions {
  sides: ResponddSide[];
  port?: number;
  /** Per source address (default 5/s, burst 10) and for all sources together (default 50/s, burst 100). */
  perSource?: RateLimit;
  total?: RateLimit;
}

export interface ResponderCounters {
  answered: number;
  /** Not from a client side (the uplink, anywhere else). */
  foreign: number;
  /** Over a rate limit. */
  limited: number;
  /** Not a respondd request. */
  malformed: number;
}

class Bucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly limit: RateLimit) {
    this.tokens = limit.burst;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.last) / 1000) * this.limit.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Responder {
  readonly counters: ResponderCounters = { answered: 0, foreign: 0, limited: 0, malformed: 0 };
  private readonly sources = new Map<string, Bucket>();
  private readonly total: Bucket;
  private readonly prefixes: { side: ResponddSide; prefix: [ipaddr.IPv4 | ipaddr.IPv6, number] }[];

  private constructor(
    private readonly socket: Socket,
    private readonly options: ResponderOptions,
  ) {
    this.total = new Bucket(options.total ?? { rate: 50, burst: 100 });
    this.prefixes = options.sides.flatMap((side) => side.prefixes.map((p) => ({ side, prefix: ipaddr.parseCIDR(p) })));
    socket.on('message', (message, from) => void this.answer(message, from));
  }

  static async start(options: ResponderOptions): Promise<Responder> {
    const socket = createSocket({ type: 'udp6', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? RESPONDD_PORT, '::', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      for (const side of options.sides)
        for (const group of Object.values(RESPONDD_GROUPS)) socket.addMembership(group, `::%${side.interface}`);
    } catch (error) {
      socket.close();
      throw new Error(
        `respondd: cannot join its groups on ${options.sides.map((s) => s.interface).join(', ')}: ${(error as Error).message}`,
      );
    }
    return new Responder(socket, options);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The client side a source is on, if any. */
  private sideOf(address: string): ResponddSide | undefined {
    const [host, scope] = address.split('%');
    if (scope) return this.options.sides.find((s) => s.interface === scope);
    if (!ipaddr.isValid(host)) return undefined;
    let parsed = ipaddr.parse(host);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
      parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    return this.prefixes.find(({ prefix }) => prefix[0].kind() === parsed.kind() && parsed.match(prefix))?.side;
  }

  private allowed(source: string): boolean {
    let bucket = this.sources.get(source);
    if (!bucket) {
      if (this.sources.size >= 4096) this.sources.clear(); // a spray of sources: forget them, the total still holds
      bucket = new Bucket(this.options.perSource ?? { rate: 5, burst: 10 });
      this.sources.set(source, bucket);
    }
    return bucket.take() && this.total.take();
  }

  private async answer(message: Buffer, from: RemoteInfo): Promise<void> {
    const request = parseRequest(message);
    if (!request) return void this.counters.malformed++;
    const side = this.sideOf(from.address);
    if (!side) return void this.counters.foreign++;
    if (!this.allowed(from.address)) return void this.counters.limited++;
    try {
      const reply = encodeReply(request, await side.data(request.sections));
      this.socket.send(reply, from.port, from.address);
      this.counters.answered++;
    } catch {
      // the node may be restarting: no answer this time
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
