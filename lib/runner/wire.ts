// A socketpair link server (the fdwire helper): nodes fetch their link ends from it as
// descriptors when they start, so point-to-point links need no privilege and no host
// device. It keeps every end open: a node that is killed and started again gets its links back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { helperBinary } from './helpers.ts';
import type { Store } from '../derivations/index.ts';

export class WireServer {
  private constructor(
    readonly socket: string,
    private readonly dir: string,
    private readonly process: ResultPromise,
  ) {}

  /** `store`: where the fdwire helper is (or is built). Its standard input is our pipe: it ends with this process, however this process ends. */
  static async start(store: Store): Promise<WireServer> {
    const dir = await mkdtemp(join(tmpdir(), 'batu-wire-'));
    const socket = join(dir, 'wire.sock');
    const proc = execa(await helperBinary('fdwire', store), ['serve', socket], { reject: false, stdin: 'pipe' });
    const ready = await new Promise<boolean>((resolve) => {
      proc.stdout!.once('data', () => resolve(true));
      void proc.then(() => resolve(false));
    });
    if (!ready) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`the link server (fdwire) did not start: ${(await proc).stderr}`);
    }
    return new WireServer(socket, dir, proc);
  }

  /** Descriptor options for UmlNode.start: fd → [pair, end]. */
  fds(ends: Record<number, [number, 0 | 1]>) {
    return { server: this.socket, fds: ends };
  }

  async stop(): Promise<void> {
    this.process.kill('SIGTERM');
    await this.process;
    await rm(this.dir, { recursive: true, force: true });
  }
}
