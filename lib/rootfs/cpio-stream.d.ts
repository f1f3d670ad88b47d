// The parts of cpio-stream (untyped) that batu uses.
declare module 'cpio-stream' {
  import type { Readable, Writable } from 'node:stream';
  export interface CpioHeader {
    name: string;
    mode: number;
    uid: number;
    gid: number;
    mtime: Date;
    size: number;
    type?: 'file' | 'directory' | 'symlink' | 'character-device';
    linkname?: string;
    rdevmajor?: number;
    rdevminor?: number;
    devmajor?: number;
    devminor?: number;
  }
  export interface Pack extends Readable {
    entry(
      header: CpioHeader,
      buffer?: Buffer | string | ((err?: Error) => void),
      callback?: (err?: Error) => void,
    ): Writable;
    finalize(): void;
  }
  export interface Extract extends Writable {
    on(event: 'entry', listener: (header: CpioHeader, stream: Readable, next: () => void) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  const cpio: { pack(opts?: { format?: 'newc' | 'odc' }): Pack; extract(): Extract };
  export default cpio;
}
