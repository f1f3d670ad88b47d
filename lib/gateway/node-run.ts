// A domain's node started: its taps made by the runner (root) in this namespace, into their
// bridges, and handed over; UML itself runs as the gateway's user with no capability, in a
// private view of the store where the user could not reach it. Once it has booted, its
// WireGuard + VXLAN tunnels are made in it. `gateway up` (which starts it again when it dies)
// and `gateway node` (systemd's node unit, which systemd restarts) use it.
import { setTimeout as sleep } from 'node:timers/promises';
import { Netns, UmlNode, batctl, guestQuiet } from '../runner/index.ts';
import type { GatewayFile } from './file.ts';
import { userIds } from './host-net.ts';
import { domainNode, gatewayBandwidth } from './node.ts';
import { domainWireguardUp } from './wireguard-domain.ts';
import type { GatewayPlan } from './plan.ts';

export async function startDomainNode(
  gateway: GatewayFile,
  plan: GatewayPlan,
  index: number,
  {
    kernel,
    image,
    signal,
    report,
    announce,
  }: { kernel: string; image: string; signal?: AbortSignal; report?: (line: string) => void; announce?: boolean },
): Promise<UmlNode> {
  const domain = gateway.domains[index];
  const made = domainNode(domain, plan.domains[index], { kernel, image, index, announce });
  const node = await UmlNode.start(made.spec, {
    netns: Netns.current(),
    user: await userIds(gateway.user),
    tapFds: made.tapFds,
    attach: made.attach,
    signal,
  });
  try {
    await domainWireguardUp(node, domain, plan.domains[index], index, report);
  } catch (error) {
    await node.stop().catch(() => {});
    throw new Error(`WireGuard + VXLAN in node ${node.spec.umid}: ${(error as Error).message}`);
  }
  return node;
}

/** A node that came back announces itself again (gw_mode server with its bandwidth). */
export const announceGateway = (node: UmlNode, domain: GatewayFile['domains'][number]) =>
  guestQuiet(node, 'batctl', ['meshif', 'bat0', 'gw_mode', 'server', gatewayBandwidth(domain)]);

/**
 * How long a node that died and came back stays unannounced: long enough for every router to
 * hear it unannounced — a WireGuard router only after its handshake with the new node, which
 * it starts when its packets have gone unanswered for 15 s — so 30 s, or 3 OGM intervals if longer.
 */
export const defaultHoldMs = (gateway: GatewayFile) => Math.max(30_000, defaultDrainMs(gateway));

/** How long a stopping gateway lets the mesh choose another: three OGM intervals of its slowest domain. */
export const defaultDrainMs = (gateway: GatewayFile) =>
  3 * Math.max(...gateway.domains.map((d) => d.originatorIntervalMs));

/**
 * Before a gateway stops: its nodes stop announcing themselves (gw_mode off), and it waits
 * `ms` while their OGMs say so. The mesh's clients then choose another gateway at once; a
 * gateway that just vanished stays chosen until batman-adv purges it (200 s).
 */
export async function withdrawGateway(
  nodes: { umid: string; node?: UmlNode }[],
  ms: number,
  report: (line: string) => void,
): Promise<void> {
  const running = nodes.filter((n) => n.node?.state === 'running');
  if (!running.length || ms <= 0) return;
  for (const { umid, node } of running)
    await batctl(node!, ['meshif', 'bat0', 'gw_mode', 'off']).catch((error: Error) =>
      report(`node ${umid}: gw_mode off failed: ${error.message.split('\n')[0]}`),
    );
  report(`gateway announcement withdrawn; ${ms / 1000} s for the mesh to choose another gateway`);
  await sleep(ms);
}
