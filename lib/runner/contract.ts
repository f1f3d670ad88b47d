// What the guest init promises the runner: where a node's services listen (guest/init/contract.h;
// a unit test holds the two together), and the ready line it prints once they do.
import { z } from 'zod';

export const servicePorts = {
  /** run_batctl_wrapper: batctl (and tc) requests. */
  batctl: 12000,
  /** run_u9fs: 9P2000.L. */
  ninep: 564,
  /** run_alfred: socat to alfred's unix socket. */
  alfred: 16962,
} as const;

/** `batu-init: ready {…}`: the node's interfaces, bat0, its service address and services. */
export const ReadySummary = z.object({
  interfaces: z.array(
    z.object({
      name: z.string(),
      role: z.enum(['management', 'bat0-tap', 'hard']),
      mac: z.string(),
      mtu: z.number(),
    }),
  ),
  bat0: z.object({ mac: z.string(), mtu: z.number(), routing_algo: z.string() }),
  service_ip: z.string().nullable(),
  services: z.array(z.string()),
  errors: z.number(),
});
export type ReadySummary = z.infer<typeof ReadySummary>;
