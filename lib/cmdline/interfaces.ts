// One interface as UML's kernel parameter and back: `ethN=tuntap,…` (the legacy driver) or
// `vecN:transport=…,…` (the vector driver, options in a fixed order: rendering is deterministic).
import { CmdlineError } from './error.ts';
import type { Interface, NodeSpec } from './schema.ts';

/** A spec's interfaces by their index N (ethN/vecN): management, bat0's tap, then the hard ones. */
export const interfacesOf = (spec: NodeSpec) => [spec.management, spec.bat0Tap, ...spec.hard];

/** vecN options in a fixed order, so that rendering is deterministic. */
export function vectorOptions(
  iface: Extract<Interface, { driver: 'vector' }>,
): [string, string | number | undefined][] {
  const base: [string, string | number | undefined][] = [['transport', iface.transport]];
  switch (iface.transport) {
    case 'tap':
    case 'hybrid':
    case 'raw':
      base.push(['ifname', iface.ifname]);
      break;
    case 'fd':
      base.push(['fd', iface.fd], ['vec', iface.fdKind === 'tap' ? 0 : undefined]);
      if (iface.offload) base.push(['vnet', 1], ['gro', 1]);
      base.push(['depth', iface.depth]);
      break;
    case 'gre':
    case 'l2tpv3':
      base.push(['src', iface.src], ['dst', iface.dst], ['srcport', iface.srcPort], ['dstport', iface.dstPort]);
      if (iface.transport === 'l2tpv3')
        base.push(
          ['udp', iface.srcPort !== undefined ? 1 : undefined],
          ['rx_session', iface.key],
          ['tx_session', iface.key],
        );
      else base.push(['rx_key', iface.key], ['tx_key', iface.key]);
  }
  base.push(['mac', iface.mac], ['mtu', iface.mtu]);
  return base;
}

/** One interface as a kernel parameter (also what mconsole `config` takes to hot-plug it). */
export function renderInterface(index: number, iface: Interface): string {
  if (iface.driver === 'tuntap') return `eth${index}=tuntap,${iface.tap}${iface.mac ? `,${iface.mac}` : ''}`;
  const options = vectorOptions(iface)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  return `vec${index}:${options.join(',')}`;
}

const numeric = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);

export function parseVector(options: string, param: string): Interface {
  const o = Object.fromEntries(
    options.split(',').map((kv) => {
      const eq = kv.indexOf('=');
      if (eq < 0) throw new CmdlineError(`bad parameter ${param}: option ${JSON.stringify(kv)} has no value`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
  const common = { ...(o.mac ? { mac: o.mac } : {}), ...(o.mtu ? { mtu: numeric(o.mtu) } : {}) };
  const optional = (key: string, value?: string) => (value === undefined ? {} : { [key]: numeric(value) });
  switch (o.transport) {
    case 'tap':
    case 'hybrid':
    case 'raw':
      return { driver: 'vector', transport: o.transport, ifname: o.ifname, ...common } as Interface;
    case 'fd':
      return {
        driver: 'vector',
        transport: 'fd',
        fd: numeric(o.fd),
        fdKind: o.vec === '0' ? 'tap' : 'socket',
        offload: o.vnet === '1',
        ...optional('depth', o.depth),
        ...common,
      } as Interface;
    case 'gre':
    case 'l2tpv3':
      return {
        driver: 'vector',
        transport: o.transport,
        src: o.src,
        dst: o.dst,
        ...optional('srcPort', o.srcport),
        ...optional('dstPort', o.dstport),
        ...optional('key', o.transport === 'gre' ? o.rx_key : o.rx_session),
        ...common,
      } as Interface;
    default:
      throw new CmdlineError(`bad parameter ${param}: unknown vector transport ${JSON.stringify(o.transport)}`);
  }
}
