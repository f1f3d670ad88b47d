// What the guest init and UML accept, as numbers both sides share: guest/init/cmdline.h
// (BATU_MAX_TEXT, the token buffer) and UML's COMMAND_LINE_SIZE (arch/um/include/asm/setup.h).
// A unit test holds the C init to these numbers.
import { CmdlineError } from './error.ts';

export const limits = {
  /** BATU_MAX_TEXT: a write's path and its value are each shorter than this. */
  text: 256,
  /** The init reports a parameter longer than this instead of using it. */
  token: 512,
  /** UML's COMMAND_LINE_SIZE: the arguments joined with spaces, and a NUL. Longer: UML exits at boot. */
  commandLine: 4096,
};

/** The runner's own arguments (con=none ssl=none con0=fd:0,fd:1 con1=fd:N) come on top of render's. */
export const runnerReserve = 64;

/** Throw naming what is too long: one parameter, or the whole command line. */
export function checkCommandLine(argv: string[], reserve = 0): void {
  for (const token of argv) {
    if (token.length > limits.token)
      throw new CmdlineError(
        `parameter ${token.slice(0, 40)}… is ${token.length} characters; the guest init takes at most ${limits.token}`,
      );
  }
  const size = argv.join(' ').length + 1 + reserve;
  if (size > limits.commandLine) {
    throw new CmdlineError(
      `the kernel command line would be ${size} bytes${reserve ? ` (with the runner's own ${reserve})` : ''}; UML takes at most ${limits.commandLine} (COMMAND_LINE_SIZE) and exits otherwise: fewer or shorter writes`,
    );
  }
}
