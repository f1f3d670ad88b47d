// Progress of long work as a few lines on stderr: one per phase, and a running count
// at most every `every` ms, never the raw build output.
export interface Reporter {
  (line: string): void;
}

export const stderrReporter: Reporter = (line) => process.stderr.write(`batu: ${line}\n`);
export const silentReporter: Reporter = () => {};

const elapsed = (since: number) => {
  const s = Math.round((Date.now() - since) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

export class BuildProgress {
  private count = 0;
  private lastReport = 0;
  private readonly started = Date.now();
  private readonly pattern?: RegExp;

  constructor(
    private readonly label: string,
    private readonly report: Reporter,
    private readonly counter?: { count: string; unit: string; expected?: number },
    private readonly every = 15_000,
  ) {
    this.pattern = counter ? new RegExp(counter.count) : undefined;
  }

  /** Feed one line of builder output. */
  line(text: string): void {
    const phase = /^@@batu phase (.*)$/.exec(text);
    if (phase) this.report(`${this.label}: ${phase[1]} (${elapsed(this.started)})`);
    else if (this.pattern?.test(text)) {
      this.count++;
      if (Date.now() - this.lastReport >= this.every) {
        this.lastReport = Date.now();
        this.report(`${this.label}: ${this.summary()}`);
      }
    }
  }

  private summary(): string {
    const { unit, expected } = this.counter!;
    const pct = expected ? ` (~${Math.min(99, Math.round((100 * this.count) / expected))}%)` : '';
    return `${this.count} ${unit}${pct}, ${elapsed(this.started)}`;
  }

  done(): void {
    this.report(
      `${this.label}: done in ${elapsed(this.started)}${this.counter ? `, ${this.count} ${this.counter.unit}` : ''}`,
    );
  }
}
