// UML's management console (uml_mconsole from uml-utilities): halt, cad, sysrq, config…
import { join } from 'node:path';
import { execa } from 'execa';

export const mconsoleSocket = (umlDir: string, umid: string) => join(umlDir, umid, 'mconsole');

/** Send one command; returns UML's reply text, or throws with it. */
export async function mconsole(socket: string, command: string, { timeoutMs = 5000 } = {}): Promise<string> {
  const result = await execa('uml_mconsole', [socket, ...command.split(' ')], { reject: false, timeout: timeoutMs });
  const reply = result.stdout.trim();
  if (result.exitCode !== 0 || /^ERR/m.test(reply)) throw new Error(`mconsole ${command}: ${reply || result.stderr || `exit ${result.exitCode}`}`);
  return reply.replace(/^OK\s*/, '');
}
