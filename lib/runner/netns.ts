// Network namespaces that tests, benchmarks and the demo create for their nodes, taps and
// bridges (named with a batu/bt prefix), and remove again, also on failure.
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';

export interface ExecOptions {
  input?: string | Buffer;
  reject?: boolean;
  timeout?: number;
}
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode?: number;
}

export class Netns {
  /** `name` '' is the namespace this process runs in (Netns.current()). */
  private constructor(readonly name: string) {}

  /**
   * The namespace this process runs in, unnamed (a gateway's host, a container's network):
   * its devices are made and removed here, and nodes run here. It is never deleted, and a
   * record names no namespace for it (a reaper elsewhere must not delete taps by name).
   */
  static current(): Netns {
    return new Netns('');
  }

  /** `ip -n NAME`, or nothing for the current namespace. */
  private get ipArgs(): string[] {
    return this.name ? ['-n', this.name] : [];
  }

  /** A new namespace `<prefix>-<random>` with loopback up. */
  static async create(prefix = 'batu', name = Netns.newName(prefix)): Promise<Netns> {
    if (!name.startsWith(`${prefix}-`)) throw new Error(`namespace ${JSON.stringify(name)} must start with ${prefix}-`);
    const ns = new Netns(name);
    await execa('ip', ['netns', 'add', ns.name]);
    await ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** A fresh name `<prefix>-<6 hex digits>`, for a caller that records it before the namespace is made. */
  static newName(prefix = 'batu'): string {
    if (!/^(batu|bt)/.test(prefix))
      throw new Error(`namespace prefix ${JSON.stringify(prefix)} must start with batu or bt`);
    return `${prefix}-${randomBytes(3).toString('hex')}`;
  }

  /** A namespace that exists already (made by another process). */
  static existing(name: string): Netns {
    return new Netns(name);
  }

  /** Run a command inside the namespace. */
  async exec(command: string, args: string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
    const r = await execa(
      this.prefix[0] ?? command,
      [...this.prefix.slice(1), ...(this.name ? [command] : []), ...args],
      {
        ...options,
        stripFinalNewline: false,
      },
    );
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }

  /** Start a long-running command inside the namespace (kill it when done). */
  spawn(command: string, args: string[] = [], options: { buffer?: boolean } = {}) {
    return execa(this.prefix[0] ?? command, [...this.prefix.slice(1), ...(this.name ? [command] : []), ...args], {
      reject: false,
      ...options,
    });
  }

  /** The argv prefix that runs a command inside the namespace. */
  get prefix(): string[] {
    return this.name ? ['ip', 'netns', 'exec', this.name] : [];
  }

  async ip(...args: string[]): Promise<void> {
    await execa('ip', [...this.ipArgs, ...args]);
  }

  async addTap(name: string, { user, mtu }: { user?: string; mtu?: number } = {}): Promise<void> {
    await this.ip('tuntap', 'add', 'dev', name, 'mode', 'tap', ...(user ? ['user', user] : []));
    if (mtu) await this.ip('link', 'set', name, 'mtu', String(mtu));
    await this.ip('link', 'set', name, 'up');
  }

  async addBridge(name: string, address?: string, mac?: string): Promise<void> {
    await this.ip('link', 'add', name, ...(mac ? ['address', mac] : []), 'type', 'bridge');
    if (address) await this.ip('addr', 'add', address, 'dev', name);
    await this.ip('link', 'set', name, 'up');
  }

  async attach(device: string, bridge: string): Promise<void> {
    await this.ip('link', 'set', device, 'master', bridge);
  }

  async deleteLink(name: string): Promise<void> {
    await execa('ip', [...this.ipArgs, 'link', 'del', name], { reject: false });
  }

  /** Remove the namespace and everything in it (taps and bridges die with it). */
  async delete(): Promise<void> {
    if (this.name) await execa('ip', ['netns', 'del', this.name], { reject: false });
  }
}

/** Namespaces left by runs that were killed before they could clean up. */
export async function listNamespaces(prefix = 'bt'): Promise<string[]> {
  const { stdout } = await execa('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(prefix) || n.startsWith('batu-'));
}
