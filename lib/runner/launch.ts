// What starting a node takes besides UML itself: its host devices (taps made and bridged,
// recorded before they exist so a killed run is reaped), and its command line (the spec's
// parameters, the runner's own, the consoles, and the helpers that open its descriptors).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkCommandLine, render, type NodeSpec } from '../cmdline/index.ts';
import { writeRecord } from '../record.ts';
import { umlCommand } from './boot.ts';
import { descriptors, fdInterfaces, hostTaps } from './descriptors.ts';
import type { Netns } from './netns.ts';
import { NodeError, type StartOptions } from './node.ts';
import { NodeRecord, listNodes } from './registry.ts';

/** Make the taps the spec and options name and bridge them; returns the taps made (removed again on failure). */
export async function makeHostDevices(
  spec: NodeSpec,
  options: StartOptions,
  { runId, runDir, umlDir }: { runId: string; runDir: string; umlDir: string },
): Promise<string[]> {
  const ns = options.netns;
  const taps: string[] = [];
  try {
    if (options.createTaps ?? true) {
      const fdMtu = (fd: number) => fdInterfaces(spec).find((i) => i.fd === fd)?.mtu;
      const wanted = [
        ...hostTaps(spec),
        ...Object.entries(options.tapFds ?? {}).map(([fd, name]) => ({ name, mtu: fdMtu(Number(fd)) })),
      ];
      // Recorded before they exist: a run killed from here on leaves a record the next reap follows.
      await writeRecord(join(runDir, 'node.json'), NodeRecord, {
        umid: runId,
        pid: process.pid,
        netns: ns?.name || undefined, // the current namespace: unnamed
        ownsNetns: options.ownsNetns,
        taps: wanted.map((t) => t.name),
        umlDir,
        spec,
      });
      for (const tap of wanted) {
        if (!ns) throw new NodeError('making taps needs a netns (tests and tools run nodes in their own namespace)');
        await ns.addTap(tap.name, { user: options.tapUser, mtu: tap.mtu }).catch(async (e: Error) => {
          throw await tapInTheWay(ns, tap.name, e);
        });
        taps.push(tap.name);
      }
    }
    for (const [device, bridge] of Object.entries(options.attach ?? {})) await ns!.attach(device, bridge);
    return taps;
  } catch (error) {
    for (const tap of taps) await ns?.deleteLink(tap);
    await rm(runDir, { recursive: true, force: true });
    throw error;
  }
}

/** The whole command that starts the node, and the descriptor of its piped batctl console, if any. */
export async function commandLine(
  spec: NodeSpec,
  options: StartOptions,
  umlDir: string,
  view: string[] = [],
): Promise<{ command: string[]; consoleFd?: number }> {
  const args = render(spec);
  if (!spec.mem) args.unshift(`mem=${options.mem ?? '64M'}`);
  if (!spec.umlDir) args.push(`uml_dir=${umlDir}`);
  // Only the consoles it uses: every configured UML line is a tty device in the guest's sysfs
  // (16 consoles and 64 serial lines by default, ~300 KB of a node's kernel memory).
  args.push(...(options.kernelArgs ?? []), ...(options.extraArgs ?? []), 'con=none', 'ssl=none');
  const { consoles } = options;
  const { openers, consoleFd: pipedConsole } = await descriptors(spec, options);
  const consoleFd = consoles ? undefined : pipedConsole;
  args.push(consoles ? `con0=fd:${consoles.con0}` : 'con0=fd:0,fd:1');
  if (consoles?.batctl !== undefined) args.push(`con1=fd:${consoles.batctl}`);
  if (consoleFd) args.push(`con1=fd:${consoleFd}`);
  checkCommandLine(args);
  const [cmd, argv] = umlCommand(join(spec.kernel!, 'bin/linux'), args);
  // pdeathsig: a node never outlives the process that started it, even one killed -9.
  const { user } = options;
  const asUser = user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups'] : [];
  const command = [
    ...(options.netns?.prefix ?? []),
    ...openers,
    ...view,
    'setpriv',
    '--pdeathsig',
    'KILL',
    ...asUser,
    '--',
    cmd,
    ...argv,
  ];
  return { command, consoleFd };
}

/** Why a tap cannot be made: a live node's, or a device something else holds. */
async function tapInTheWay(ns: Netns, tap: string, cause: Error): Promise<Error> {
  const owner = (await listNodes()).find(
    (n) => n.netns?.name === ns.name && hostTaps(n.spec).some((t) => t.name === tap),
  );
  return new NodeError(
    owner
      ? `tap ${tap} in namespace ${ns.name} belongs to the running node ${owner.umid} (pid ${owner.pid}); stop it first (batu stop ${owner.umid})`
      : `tap ${tap} in namespace ${ns.name} exists and something holds it open (${cause.message.split('\n').pop()}); remove it with: ip -n ${ns.name} link del ${tap}`,
  );
}
