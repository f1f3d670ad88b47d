// A link no host device sees (a socketpair, an L2TPv3 link to another host): the node at one
// end streams its interface's frames as pcap (its batctl service's `capture` request), read
// over TCP with socat inside the mesh's namespace. Nothing runs in the node between captures.
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type { CapturePoint } from './links/backend.ts';
import { MeshError } from './errors.ts';
import { withDeadline } from '../deadline.ts';
import { Netns } from '../runner/index.ts';

export type GuestPoint = Extract<CapturePoint, { kind: 'guest' }>;

export interface CaptureStream {
  /** A pcap stream (file header first), until stop() or the node goes away. */
  pcap: Readable;
  stop(): Promise<unknown>;
}

const pcapMagic = 0xa1b2c3d4;

/** At least `n` bytes of a stream (fewer: it ended), the stream paused after them. */
function firstBytes(stream: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      stream.off('data', onData).off('end', done).off('error', reject);
      stream.pause();
      resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= n) done();
    };
    stream.on('data', onData).once('end', done).once('error', reject);
    stream.resume();
  });
}

/** Start streaming a guest capture point's frames; a node that cannot says why (MeshError). */
export async function guestCapture(point: GuestPoint): Promise<CaptureStream> {
  const [command, ...args] = [
    ...Netns.existing(point.netns).prefix,
    'socat',
    '-',
    `TCP:${point.address}:${point.port}`,
  ];
  const proc = execa(command, args, {
    buffer: { stdout: false, stderr: true },
    reject: false,
    stdin: 'pipe',
  });
  const stop = async () => {
    proc.kill('SIGTERM');
    return proc;
  };
  // The request stays open: the node streams until this end closes.
  proc.stdin!.on('error', () => {}); // socat gone: what it said is the answer
  proc.stdin!.write(`capture\0${point.interface}\0\0`);
  const what = `capture of ${point.interface} on node ${point.node}`;
  // A node that does not answer (wedged, or not yet serving) is given up on, not waited for.
  const head = await withDeadline(firstBytes(proc.stdout!, 24), 15_000, `${what}: no answer within 15 s`).catch(
    async (error: Error) => {
      await stop();
      throw new MeshError(error.message);
    },
  );
  if (head.length >= 4 && (head.readUInt32LE(0) === pcapMagic || head.readUInt32BE(0) === pcapMagic)) {
    proc.stdout!.unshift(head);
    return { pcap: proc.stdout!, stop };
  }
  // Not pcap: the service's refusal (or socat's failure to connect), whole.
  const rest =
    head.length < 24
      ? Buffer.alloc(0)
      : await withDeadline(firstBytes(proc.stdout!, 1 << 20), 5000, '').catch(() => Buffer.alloc(0));
  const { stderr } = await stop();
  const why = (Buffer.concat([head, rest]).toString() || String(stderr)).trim() || 'it closed the stream';
  throw new MeshError(`${what}: ${why}`);
}
