// UML's management console (uml_mconsole from uml-utilities): halt, cad, sysrq, config…
import { join } from 'node:path';
import { execa } from 'execa';

export const mconsoleSocket = (umlDir: string, umid: string) => join(umlDir, umid, 'mconsole');

/**
 * Send one command; returns UML's reply text, or throws with it. The client must run in
 * the node's network namespace: UML answers to its (abstract, so per-namespace) socket.
 */
export async function mconsole(
  socket: string,
  command: string,
  { timeoutMs = 5000, netnsPrefix = [] as string[] } = {},
): Promise<string> {
  const argv = [...netnsPrefix, 'uml_mconsole', socket, ...command.split(' ')];
  const result = await execa(argv[0], argv.slice(1), { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  const reply = result.stdout.trim();
  if (result.exitCode !== 0 || /^ERR/m.test(reply))
    throw new Error(`mconsole ${command}: ${reply || result.stderr || `exit ${result.exitCode}`}`);
  return reply.replace(/^OK\s*/, '');
}
