// The gateway's nftables table (its own: `inet batu-gateway`, replaced whole): clients'
// IPv4 masqueraded to the uplink where the exit is NAT, clients forwarded to the uplink and
// answers back, respondd (UDP 1001) taken only from the client bridges, and each WireGuard
// tunnel's UDP port forwarded to its node (IPv4); the nodes' management links closed to all
// else from outside, their services to local users but root.
import ipaddr from 'ipaddr.js';
import { network, type GatewayFile } from '../file.ts';
import { managementAddresses, managementDevices } from '../node.ts';
import { servicePorts } from '../../runner/index.ts';
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
  // WireGuard ends in the node: its port forwarded to the node's management address.
  const forwarded = gateway.domains.flatMap((domain, d) =>
    domain.tunnels.flatMap((tunnel) =>
      tunnel.kind === 'wireguard-vxlan'
        ? [`    udp dport ${tunnel.port} dnat ip to ${managementAddresses(d).node.split('/')[0]}`]
        : [],
    ),
  );
  const management = gateway.domains.map((d) => `"${managementDevices(d.name).bridge}"`).join(', ');
  const nodes = gateway.domains.map((_, d) => managementAddresses(d).node.split('/')[0]).join(', ');
  return [
    `# batu gateway (generated from the gateway file; change that instead)`,
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    udp dport 1001 iifname != { ${bridges} } drop`,
    '  }',
    // The nodes' services (batctl, 9P) change them: root's only, not any local user's.
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    `    ip daddr { ${nodes} } tcp dport { ${servicePorts.batctl}, ${servicePorts.ninep} } meta skuid != 0 reject`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    ct state established,related accept',
    // The nodes' management links take from outside only what was forwarded to them (WireGuard).
    `    oifname { ${management} } ct status dnat accept`,
    `    oifname { ${management} } drop`,
    ...forward,
    '  }',
    ...(forwarded.length
      ? ['  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', ...forwarded, '  }']
      : []),
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...nat,
    '  }',
    '}',
    '',
  ].join('\n');
}
