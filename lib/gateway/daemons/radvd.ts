// radvd's configuration: on each domain's client bridge, its IPv6 prefix for SLAAC, the link
// MTU clients must keep to (1280: what batman-adv carries through every tunnel), the
// gateway's resolvers as RDNSS, and the gateway as default router (it is the exit).
import ipaddr from 'ipaddr.js';
import { network, type GatewayFile } from '../file.ts';
import type { GatewayPlan } from '../plan.ts';

export function radvdConfig(gateway: GatewayFile, plan: GatewayPlan): string {
  const blocks = gateway.domains.flatMap((domain, d) => {
    const v6 = domain.clients.ipv6;
    if (!v6) return [];
    const [own, length] = ipaddr.IPv6.parseCIDR(v6.address);
    const dns = (domain.clients.dns ?? [String(own)]).filter((a) => ipaddr.IPv6.isValid(a) && a.includes(':'));
    return [
      [
        `interface ${plan.domains[d].bridge} {`,
        '  AdvSendAdvert on;',
        '  MaxRtrAdvInterval 60;',
        `  AdvLinkMTU ${v6.mtu};`,
        '  AdvDefaultLifetime 1800;',
        `  prefix ${network([own, length])} {`,
        '    AdvOnLink on;',
        '    AdvAutonomous on;',
        '  };',
        ...(dns.length ? [`  RDNSS ${dns.join(' ')} {`, '  };'] : []),
        '};',
      ].join('\n'),
    ];
  });
  return `# batu gateway (generated from the gateway file; change that instead)\n${blocks.join('\n')}\n`;
}
