// A small 9P2000.L client: enough to copy a file from and to a guest's u9fs (get/put),
// where the host kernel has no 9p and diod's userspace tools only read. The transport is
// any byte stream; the runner uses socat inside the node's namespace.
import type { Readable, Writable } from 'node:stream';

const T = { version: 100, attach: 104, walk: 110, lopen: 12, lcreate: 14, read: 116, write: 118, clunk: 120 } as const;
const RLERROR = 7;
const NOFID = 0xffffffff;
const O_RDONLY = 0,
  O_WRONLY = 1,
  O_TRUNC = 0o1000;

/** Builds one message body field by field (little-endian, strings with a 2-byte length). */
class Fields {
  private parts: Buffer[] = [];
  u32(n: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.parts.push(b);
    return this;
  }
  u16(n: number) {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    this.parts.push(b);
    return this;
  }
  u64(n: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.parts.push(b);
    return this;
  }
  str(s: string) {
    const b = Buffer.from(s);
    this.u16(b.length);
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer) {
    this.parts.push(b);
    return this;
  }
  get buffer() {
    return Buffer.concat(this.parts);
  }
}

export class NinePError extends Error {}

export class NinePClient {
  private buffered = Buffer.alloc(0);
  private pending = new Map<number, (type: number, body: Buffer) => void>();
  private nextTag = 1;
  private nextFid = 1;
  msize = 65536;

  constructor(
    input: Readable,
    private readonly output: Writable,
  ) {
    input.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 7 && this.buffered.length >= this.buffered.readUInt32LE(0)) {
        const size = this.buffered.readUInt32LE(0);
        const [type, tag] = [this.buffered[4], this.buffered.readUInt16LE(5)];
        const body = this.buffered.subarray(7, size);
        this.buffered = this.buffered.subarray(size);
        this.pending.get(tag)?.(type, body);
        this.pending.delete(tag);
      }
    });
  }

  private rpc(type: number, fields: Fields, what: string): Promise<Buffer> {
    const tag = type === T.version ? 0xffff : this.nextTag++;
    const body = fields.buffer;
    const header = Buffer.alloc(7);
    header.writeUInt32LE(7 + body.length);
    header[4] = type;
    header.writeUInt16LE(tag, 5);
    return new Promise((resolve, reject) => {
      this.pending.set(tag, (rtype, rbody) => {
        if (rtype === RLERROR)
          reject(new NinePError(`9P ${what}: errno ${rbody.readUInt32LE(0)} (${errnoName(rbody.readUInt32LE(0))})`));
        else if (rtype !== type + 1) reject(new NinePError(`9P ${what}: unexpected reply type ${rtype}`));
        else resolve(rbody);
      });
      this.output.write(Buffer.concat([header, body]));
    });
  }

  /** Version negotiation and attach to the export `aname` as root; returns the root fid. */
  async attach(aname = '/'): Promise<number> {
    const r = await this.rpc(T.version, new Fields().u32(this.msize).str('9P2000.L'), 'version');
    this.msize = r.readUInt32LE(0);
    const version = r.toString('utf8', 6, 6 + r.readUInt16LE(4));
    if (version !== '9P2000.L') throw new NinePError(`9P version: the server speaks ${version}, not 9P2000.L`);
    const fid = this.nextFid++;
    await this.rpc(T.attach, new Fields().u32(fid).u32(NOFID).str('root').str(aname).u32(0), `attach ${aname}`);
    return fid;
  }

  /** A new fid for `path` (relative to `from`); throws if some component is missing. */
  async walk(from: number, path: string): Promise<number> {
    const names = path.split('/').filter(Boolean);
    const fid = this.nextFid++;
    const fields = new Fields().u32(from).u32(fid).u16(names.length);
    for (const name of names) fields.str(name);
    const r = await this.rpc(T.walk, fields, `walk ${path}`);
    if (r.readUInt16LE(0) !== names.length)
      throw new NinePError(`9P walk ${path}: ${names[r.readUInt16LE(0)]} does not exist`);
    return fid;
  }

  private get chunk(): number {
    return this.msize - 24;
  }

  async readFile(root: number, path: string): Promise<Buffer> {
    const fid = await this.walk(root, path);
    await this.rpc(T.lopen, new Fields().u32(fid).u32(O_RDONLY), `open ${path}`);
    const parts: Buffer[] = [];
    for (let offset = 0; ;) {
      const r = await this.rpc(T.read, new Fields().u32(fid).u64(offset).u32(this.chunk), `read ${path}`);
      const data = r.subarray(4, 4 + r.readUInt32LE(0));
      if (!data.length) break;
      parts.push(data);
      offset += data.length;
    }
    await this.clunk(fid);
    return Buffer.concat(parts);
  }

  /** Write (create or truncate) `path` with `data` and `mode`. */
  async writeFile(root: number, path: string, data: Buffer, mode = 0o644): Promise<void> {
    const slash = path.lastIndexOf('/');
    const [dir, name] = [slash < 0 ? '' : path.slice(0, slash), path.slice(slash + 1)];
    if (!name) throw new NinePError(`9P put: ${path} names a directory, not a file`);
    let fid: number;
    try {
      fid = await this.walk(root, path);
      await this.rpc(T.lopen, new Fields().u32(fid).u32(O_WRONLY | O_TRUNC), `open ${path}`);
    } catch (error) {
      if (!(error instanceof NinePError) || !/does not exist|ENOENT/.test(error.message)) throw error;
      fid = await this.walk(root, dir); // lcreate turns the directory's fid into the new file's
      await this.rpc(
        T.lcreate,
        new Fields()
          .u32(fid)
          .str(name)
          .u32(O_WRONLY | O_TRUNC)
          .u32(mode)
          .u32(0),
        `create ${path}`,
      );
    }
    let offset = 0;
    do {
      const part = data.subarray(offset, offset + this.chunk);
      const r = await this.rpc(
        T.write,
        new Fields().u32(fid).u64(offset).u32(part.length).bytes(part),
        `write ${path}`,
      );
      const written = r.readUInt32LE(0);
      if (part.length && !written)
        throw new NinePError(`9P write ${path}: the server took no bytes at offset ${offset}`);
      offset += written;
    } while (offset < data.length);
    await this.clunk(fid);
  }

  async clunk(fid: number): Promise<void> {
    await this.rpc(T.clunk, new Fields().u32(fid), 'clunk');
  }
}

function errnoName(code: number): string {
  return (
    (
      {
        1: 'EPERM',
        2: 'ENOENT',
        13: 'EACCES',
        17: 'EEXIST',
        20: 'ENOTDIR',
        21: 'EISDIR',
        28: 'ENOSPC',
        30: 'EROFS',
      } as Record<number, string>
    )[code] ?? 'see errno(3)'
  );
}
