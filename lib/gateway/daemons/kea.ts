// kea-dhcp4's configuration: one subnet per domain on its client bridge, leases from the
// range the file gives, the gateway as router and resolver (or the file's resolvers).
import ipaddr from 'ipaddr.js';
import { network, type GatewayFile } from '../file.ts';
import type { GatewayPlan } from '../plan.ts';

export function keaConfig(
  gateway: GatewayFile,
  plan: GatewayPlan,
  { leases, control }: { leases: string; control: string },
): string {
  const served = gateway.domains.flatMap((domain, d) => (domain.clients.ipv4.dhcp ? [{ domain, d }] : []));
  const subnets = served.map(({ domain, d }) => {
    const [own, length] = ipaddr.IPv4.parseCIDR(domain.clients.ipv4.address);
    const dhcp = domain.clients.ipv4.dhcp!;
    const dns = (domain.clients.dns ?? [String(own)]).filter((a) => ipaddr.IPv4.isValidFourPartDecimal(a));
    return {
      id: d + 1,
      subnet: network([own, length]),
      interface: plan.domains[d].bridge,
      pools: [{ pool: `${dhcp.from} - ${dhcp.to}` }],
      'valid-lifetime': dhcp.leaseSeconds,
      'option-data': [
        { name: 'routers', data: String(own) },
        ...(dns.length ? [{ name: 'domain-name-servers', data: dns.join(', ') }] : []),
        // batman-adv carries 1280-byte frames through every tunnel: clients keep to it
        { name: 'interface-mtu', data: String(domain.clients.ipv6?.mtu ?? 1280) },
      ],
    };
  });
  const config = {
    Dhcp4: {
      'interfaces-config': { interfaces: served.map(({ d }) => plan.domains[d].bridge) },
      'lease-database': { type: 'memfile', persist: true, name: leases, 'lfc-interval': 3600 },
      'control-socket': { 'socket-type': 'unix', 'socket-name': control },
      subnet4: subnets,
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stderr' }], severity: 'INFO' }],
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
