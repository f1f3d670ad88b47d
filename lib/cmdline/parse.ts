// The UML kernel's argv → NodeSpec: the inverse of render(). A parameter it does not
// know, or one that is malformed, is an error naming it.
import { NodeSpec, meshKnobs, meshPath, type Interface, type MeshSettings, type NodeSpecInput } from './schema.ts';
import { CmdlineError } from './error.ts';
import { checkCommandLine, runnerReserve } from './limits.ts';
import { render } from './render.ts';

export { CmdlineError };

const numeric = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);

function parseVector(options: string, param: string): Interface {
  const o = Object.fromEntries(options.split(',').map((kv) => {
    const eq = kv.indexOf('=');
    if (eq < 0) throw new CmdlineError(`bad parameter ${param}: option ${JSON.stringify(kv)} has no value`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  }));
  const common = { ...(o.mac ? { mac: o.mac } : {}), ...(o.mtu ? { mtu: numeric(o.mtu) } : {}) };
  const optional = (key: string, value?: string) => (value === undefined ? {} : { [key]: numeric(value) });
  switch (o.transport) {
    case 'tap': case 'hybrid': case 'raw': return { driver: 'vector', transport: o.transport, ifname: o.ifname, ...common } as Interface;
    case 'fd': return { driver: 'vector', transport: 'fd', fd: numeric(o.fd), fdKind: o.vec === '0' ? 'tap' : 'socket', offload: o.vnet === '1', ...common } as Interface;
    case 'gre': case 'l2tpv3':
      return {
        driver: 'vector', transport: o.transport, src: o.src, dst: o.dst,
        ...optional('srcPort', o.srcport), ...optional('dstPort', o.dstport),
        ...optional('key', o.transport === 'gre' ? o.rx_key : o.rx_session), ...common,
      } as Interface;
    default: throw new CmdlineError(`bad parameter ${param}: unknown vector transport ${JSON.stringify(o.transport)}`);
  }
}

export function parse(argv: string[]): NodeSpec {
  const spec: Record<string, unknown> & { mesh: MeshSettings; writes: { path: string; value: string }[] } = { mesh: {}, writes: [] };
  const interfaces: (Interface | undefined)[] = [];
  const mtus = new Map<number, number>();
  let hostfsRoot: string | undefined;
  for (const param of argv) {
    const eq = param.indexOf('=');
    const [name, value] = eq < 0 ? [param, undefined] : [param.slice(0, eq), param.slice(eq + 1)];
    let m: RegExpExecArray | null;
    if ((m = /^vec(\d+):(.*)$/.exec(param))) interfaces[Number(m[1])] = parseVector(m[2], param);
    else if ((m = /^eth(\d+)$/.exec(name)) && value?.startsWith('tuntap,')) {
      const [, tap, mac] = value.split(',');
      interfaces[Number(m[1])] = { driver: 'tuntap', tap, ...(mac ? { mac } : {}) };
    } else if ((m = /^mtu_eth(\d+)$/.exec(name)) && value) mtus.set(Number(m[1]), Number(value));
    else if (name === 'mem' && value) spec.mem = value;
    else if (name === 'umid' && value) spec.umid = value;
    else if (name === 'uml_dir' && value) spec.umlDir = value;
    else if (name === 'initrd' && value?.endsWith('/initramfs.cpio')) spec.image = value.slice(0, -'/initramfs.cpio'.length);
    else if (name === 'rootflags' && value?.endsWith('/root')) hostfsRoot = value.slice(0, -'/root'.length);
    else if (['root=/dev/root', 'rootfstype=hostfs', 'ro', 'init=/init'].includes(param)) continue;
    else if (name === 'bat0_hwaddr' && value) spec.bat0Mac = value;
    else if (name === 'service_ip' && value) spec.serviceIp = value;
    else if (name === 'routing_algo' && value) spec.routingAlgo = value;
    else if (name === 'run_alfred' && value) spec.alfred = value;
    else if (param === 'run_u9fs') spec.u9fs = true;
    else if (param === 'run_u9fs=ro') spec.u9fs = 'ro';
    else if (param === 'run_batctl_wrapper') spec.batctlWrapper = true;
    else if (param === 'run_batctl_wrapper=ro') spec.batctlWrapper = 'ro';
    else if (param === 'run_batctl_console') spec.batctlConsole = true;
    else if (name.startsWith('/') && value !== undefined) {
      const knob = meshKnobs.find((k) => meshPath(k) === name);
      if (knob) (spec.mesh as Record<string, unknown>)[knob] = knob === 'gw_mode' || knob === 'gw_bandwidth' ? value : numeric(value);
      else spec.writes.push({ path: name, value });
    } else throw new CmdlineError(`unknown or malformed parameter ${JSON.stringify(param)}`);
  }
  if (hostfsRoot) { spec.image = hostfsRoot; spec.rootfs = 'hostfs'; }
  for (const [i, mtu] of mtus) {
    if (!interfaces[i]) throw new CmdlineError(`bad parameter mtu_eth${i}=${mtu}: there is no eth${i}`);
    interfaces[i] = { ...interfaces[i]!, mtu };
  }
  const [management, bat0Tap, ...hard] = interfaces;
  if (hard.some((h) => !h)) throw new CmdlineError('hard interfaces must be numbered without gaps from eth2/vec2 on');
  Object.assign(spec, management && { management }, bat0Tap && { bat0Tap }, { hard });
  return parseSpec(spec as NodeSpecInput);
}

/** Validate a spec (from code, JSON or parse()), with zod's path to every bad field. */
export function parseSpec(input: unknown): NodeSpec {
  const result = NodeSpec.safeParse(input);
  if (result.success) {
    checkCommandLine(render(result.data), runnerReserve);
    return result.data;
  }
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`);
  throw new CmdlineError(`invalid node spec:\n  ${problems.join('\n  ')}`);
}
