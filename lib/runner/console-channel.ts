// The guest's batctl console (run_batctl_console): requests over UML's con1, which the
// runner connects to one end of a socketpair. For nodes that have no network path to the
// host, such as rootless meshes. One request at a time; each answer ends with a NUL byte.
import type { Duplex } from 'node:stream';

export class ConsoleChannel {
  private queue: Promise<unknown> = Promise.resolve();
  private buffered = Buffer.alloc(0);
  private waiting?: (answer: string) => void;
  /** Answers still owed to requests that timed out: dropped when they come. */
  private late = 0;
  private closed = false;

  constructor(
    private readonly stream: Duplex,
    readonly umid: string,
    /** A request's time limit in wall-clock ms; 0: none (lib/sim limits it in simulated time). */
    private readonly timeoutMs = 15_000,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      for (let end = this.buffered.indexOf(0); end >= 0; end = this.buffered.indexOf(0)) {
        const answer = this.buffered.subarray(0, end).toString();
        this.buffered = this.buffered.subarray(end + 1);
        if (this.late > 0) this.late--;
        else this.waiting?.(answer);
      }
    });
    stream.on('close', () => {
      this.closed = true;
    });
    stream.on('error', () => {
      this.closed = true;
    });
  }

  /** Run a program of the service (batctl, tc) in the guest: argv[0] is its name; returns its output. */
  run(argv: string[], timeoutMs = this.timeoutMs): Promise<string> {
    const run = this.queue.then(() => this.ask(argv, timeoutMs));
    this.queue = run.catch(() => {});
    return run;
  }

  private ask(argv: string[], timeoutMs: number): Promise<string> {
    if (this.closed)
      return Promise.reject(new Error(`node ${this.umid}: its batctl console is closed (node stopped?)`));
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.waiting = undefined;
              this.late++;
              reject(
                new Error(
                  `node ${this.umid}: no answer on the batctl console to ${argv.join(' ')} after ${timeoutMs} ms`,
                ),
              );
            }, timeoutMs)
          : undefined;
      this.waiting = (answer) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(answer);
      };
      this.stream.write(argv.map((a) => `${a}\0`).join('') + '\0');
    });
  }

  close(): void {
    this.stream.destroy();
  }
}
