// batu run SPEC.json: one node in the foreground; ctrl-c stops it cleanly.
import { openStore } from '../../lib/derivations/index.ts';
import { readFile } from 'node:fs/promises';
import { parseSpec, type NodeSpec, type NodeSpecInput } from '../../lib/cmdline/index.ts';
import { Netns, UmlNode } from '../../lib/runner/index.ts';
import { kernelAndImage, storeOption, type Register } from './common.ts';

export interface RunOptions {
  netns?: string;
  store?: string;
}

export const register: Register = (program) =>
  program
    .command('run')
    .description(
      'start a node in the foreground (ctrl-c stops it); kernel and image default to the linux-v15 and image recipes',
    )
    .argument('<spec>', 'a node spec (JSON)')
    .option('--netns <name>', 'an existing network namespace to run in (default: a new one, removed after)')
    .addOption(storeOption())
    .action(runNode);

/** Validate the spec first (before anything is built or made), start, print the ready line, wait. */
export async function readSpec(file: string): Promise<NodeSpecInput> {
  const input = JSON.parse(await readFile(file, 'utf8')) as NodeSpecInput;
  parseSpec(input);
  return input;
}

async function runNode(file: string, options: RunOptions): Promise<void> {
  const input = await readSpec(file);
  const { kernel, image } = await kernelAndImage(openStore(options.store), input);
  const ns = options.netns ? Netns.existing(options.netns) : await Netns.create('batu');
  const node = await UmlNode.start({ ...input, kernel, image }, { netns: ns, ownsNetns: !options.netns }).catch(
    async (e) => {
      if (!options.netns) await ns.delete();
      throw e;
    },
  );
  // Handlers first: whoever reads the ready line may stop the node at once.
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await node.stop();
    if (!options.netns) await ns.delete();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const hostAddress = await addressManagementTap(node.spec, ns);
  console.log(JSON.stringify({ umid: node.spec.umid, netns: ns.name, hostAddress, ready: node.ready }));
  await node.exited;
  if (stopping) return;
  if (!options.netns) await ns.delete();
  // Nobody asked it to stop: a panic, or the guest powered itself off. Either is a failure.
  const panic = /Kernel panic - not syncing: (.*)/.exec(node.consoleText)?.[1];
  const tail = node.consoleText.trimEnd().split('\n').slice(-5).join('\n  ');
  throw new Error(
    `node ${node.spec.umid} ${panic ? `panicked: ${panic}` : 'exited without being stopped'} (console log: ${node.consoleLog}):\n  ${tail}`,
  );
}

/**
 * Give the management tap a host address in the service address's subnet (the first one
 * that is not the node's), so batctl, alfred and fs reach the node; unless that subnet is
 * already served in the namespace (a bridge of the user's). Returns the address given.
 */
async function addressManagementTap(spec: NodeSpec, ns: Netns): Promise<string | undefined> {
  const m = spec.management;
  const tap = m?.driver === 'tuntap' ? m.tap : m?.driver === 'vector' && m.transport === 'tap' ? m.ifname : undefined;
  if (!tap || !spec.serviceIp) return undefined;
  const [ip, len = '24'] = spec.serviceIp.split('/');
  const prefix = Number(len);
  if (prefix > 30) return undefined;
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const network = (toInt(ip) & mask) >>> 0;
  const served = (await ns.exec('ip', ['-o', '-4', 'addr', 'show'])).stdout
    .split('\n')
    .map((l) => /inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(l))
    .filter(Boolean)
    .some((a) => (toInt(a![1]) & mask) >>> 0 === network);
  if (served) return undefined;
  const host = toIp(network + 1) === ip ? toIp(network + 2) : toIp(network + 1);
  await ns.ip('addr', 'add', `${host}/${prefix}`, 'dev', tap);
  await ns.ip('link', 'set', tap, 'up');
  return `${host}/${prefix}`;
}
