// A domain's node started: its taps made by the runner (root) in this namespace, into their
// bridges, and handed over; UML itself runs as the gateway's user with no capability, in a
// private view of the store where the user could not reach it. `gateway up` (which starts it
// again when it dies) and `gateway node` (systemd's node unit, which systemd restarts) use it.
import { Netns, UmlNode } from '../runner/index.ts';
import type { GatewayFile } from './file.ts';
import { userIds } from './host-net.ts';
import { domainNode } from './node.ts';
import type { GatewayPlan } from './plan.ts';

export async function startDomainNode(
  gateway: GatewayFile,
  plan: GatewayPlan,
  index: number,
  { kernel, image, signal }: { kernel: string; image: string; signal?: AbortSignal },
): Promise<UmlNode> {
  const made = domainNode(gateway.domains[index], plan.domains[index], { kernel, image, index });
  return UmlNode.start(made.spec, {
    netns: Netns.current(),
    user: await userIds(gateway.user),
    tapFds: made.tapFds,
    attach: made.attach,
    signal,
  });
}
