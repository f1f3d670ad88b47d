// NodeSpec → the UML kernel's argv. parse() is its exact inverse.
import { meshKnobs, meshPath, type Interface, type NodeSpec } from './schema.ts';

/** vecN options in a fixed order, so that rendering is deterministic. */
export function vectorOptions(iface: Extract<Interface, { driver: 'vector' }>): [string, string | number | undefined][] {
  const base: [string, string | number | undefined][] = [['transport', iface.transport]];
  switch (iface.transport) {
    case 'tap': case 'hybrid': case 'raw': base.push(['ifname', iface.ifname]); break;
    case 'fd':
      base.push(['fd', iface.fd], ['vec', iface.fdKind === 'tap' ? 0 : undefined]);
      if (iface.offload) base.push(['vnet', 1], ['gro', 1]);
      break;
    case 'gre': case 'l2tpv3':
      base.push(['src', iface.src], ['dst', iface.dst], ['srcport', iface.srcPort], ['dstport', iface.dstPort]);
      if (iface.transport === 'l2tpv3') base.push(['udp', iface.srcPort !== undefined ? 1 : undefined], ['rx_session', iface.key], ['tx_session', iface.key]);
      else base.push(['rx_key', iface.key], ['tx_key', iface.key]);
  }
  base.push(['mac', iface.mac], ['mtu', iface.mtu]);
  return base;
}

/** One interface as a kernel parameter (also what mconsole `config` takes to hot-plug it). */
export function renderInterface(index: number, iface: Interface): string {
  if (iface.driver === 'tuntap') return `eth${index}=tuntap,${iface.tap}${iface.mac ? `,${iface.mac}` : ''}`;
  const options = vectorOptions(iface).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  return `vec${index}:${options.join(',')}`;
}

export function render(spec: NodeSpec): string[] {
  const argv: string[] = [];
  if (spec.mem) argv.push(`mem=${spec.mem}`);
  argv.push(`umid=${spec.umid}`);
  if (spec.umlDir) argv.push(`uml_dir=${spec.umlDir}`);
  if (spec.image && spec.rootfs === 'initramfs') argv.push(`initrd=${spec.image}/initramfs.cpio`);
  if (spec.image && spec.rootfs === 'hostfs') argv.push('root=/dev/root', 'rootfstype=hostfs', `rootflags=${spec.image}/root`, 'ro', 'init=/init');
  const interfaces = [spec.management, spec.bat0Tap, ...spec.hard];
  interfaces.forEach((iface, i) => iface && argv.push(renderInterface(i, iface)));
  // The legacy driver has no MTU option: the init sets it.
  interfaces.forEach((iface, i) => iface?.driver === 'tuntap' && iface.mtu && argv.push(`mtu_eth${i}=${iface.mtu}`));
  if (spec.bat0Mac) argv.push(`bat0_hwaddr=${spec.bat0Mac}`);
  if (spec.serviceIp) argv.push(`service_ip=${spec.serviceIp}`);
  if (spec.routingAlgo) argv.push(`routing_algo=${spec.routingAlgo}`);
  if (spec.alfred !== 'off') argv.push(`run_alfred=${spec.alfred}`);
  if (spec.u9fs) argv.push(spec.u9fs === 'ro' ? 'run_u9fs=ro' : 'run_u9fs');
  if (spec.batctlWrapper) argv.push(spec.batctlWrapper === 'ro' ? 'run_batctl_wrapper=ro' : 'run_batctl_wrapper');
  if (spec.batctlConsole) argv.push('run_batctl_console');
  for (const knob of meshKnobs) if (spec.mesh[knob] !== undefined) argv.push(`${meshPath(knob)}=${spec.mesh[knob]}`);
  for (const { path, value } of spec.writes) argv.push(`${path}=${value}`);
  return argv;
}
