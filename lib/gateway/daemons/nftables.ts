// The gateway's nftables table (its own: `inet batu-gateway`, replaced whole): clients'
// IPv4 masqueraded to the uplink where the exit is NAT, clients forwarded to the uplink and
// answers back, and respondd (UDP 1001) taken only from the client bridges.
import ipaddr from 'ipaddr.js';
import { network, type GatewayFile } from '../file.ts';
import type { GatewayPlan } from '../plan.ts';

export const NFT_TABLE = 'batu-gateway';

export function nftablesRuleset(gateway: GatewayFile, plan: GatewayPlan): string {
  const bridges = plan.domains.map((d) => `"${d.bridge}"`).join(', ');
  const nat = gateway.domains.flatMap((domain) =>
    domain.exit.kind === 'nat'
      ? [
          `    ip saddr ${network(ipaddr.IPv4.parseCIDR(domain.clients.ipv4.address))} oifname "${domain.exit.uplink}" masquerade`,
        ]
      : [],
  );
  const forward = gateway.domains.flatMap((domain, d) =>
    domain.exit.kind === 'nat'
      ? [`    iifname "${plan.domains[d].bridge}" oifname "${domain.exit.uplink}" accept`]
      : [`    iifname "${plan.domains[d].bridge}" accept`],
  );
  return [
    `# batu gateway (generated from the gateway file; change that instead)`,
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    udp dport 1001 iifname != { ${bridges} } drop`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    ct state established,related accept',
    ...forward,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...nat,
    '  }',
    '}',
    '',
  ].join('\n');
}
