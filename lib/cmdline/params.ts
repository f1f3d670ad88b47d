// The kernel command line's parameters, in the order they are rendered: one table that both
// render() and parse() are made from. `init` names the guest init's handler for a parameter
// (guest/init/cmdline.c's table; a unit test holds the two together, limits included).
import { CmdlineError } from './error.ts';
import { MeshSettings, Mtu, meshKnobs, meshPath, type Interface, type NodeSpec } from './schema.ts';
import { interfacesOf, parseVector, renderInterface } from './interfaces.ts';

/** What parse() gathers before the spec is validated. */
export interface ParseState {
  spec: Record<string, unknown> & { mesh: Record<string, unknown>; writes: { path: string; value: string }[] };
  interfaces: (Interface | undefined)[];
  mtus: Map<number, number>;
  hostfsRoot?: string;
}

export interface Param {
  /** The init's handler this parameter goes to (cmdline.c's name pattern), if it is the init's. */
  init?: string;
  /** Limits the init checks too: [min, max] of the value. */
  range?: readonly [number, number];
  render(spec: NodeSpec): string[];
  /** Take `param` (name, value) into the state; false: not this entry's. */
  parse(name: string, value: string | undefined, param: string, state: ParseState): boolean;
}

type ScalarField =
  | 'mem'
  | 'umid'
  | 'umlDir'
  | 'bat0Mac'
  | 'serviceIp'
  | 'routingAlgo'
  | 'alfred'
  | 'u9fs'
  | 'batctlWrapper'
  | 'batctlConsole'
  | 'runScript';
type Value = string | boolean | undefined;
/** render: the value, null for a bare flag, undefined for absent; parse: undefined if malformed. */
interface Codec {
  render(v: Value): string | null | undefined;
  parse(v?: string): Value;
}

/** How a field's value is written: `name=value`, a bare flag, a flag or `=ro`, or absent at a default. */
const text: Codec = { render: (v: Value) => (v ? String(v) : undefined), parse: (v?: string) => v };
const flag: Codec = {
  render: (v: Value) => (v ? null : undefined),
  parse: (v?: string) => (v === undefined ? true : undefined),
};
const flagOrRo: Codec = {
  render: (v: Value) => (v === 'ro' ? 'ro' : v ? null : undefined),
  parse: (v?: string) => (v === undefined ? true : v === 'ro' ? 'ro' : undefined),
};
const unlessOff: Codec = { render: (v: Value) => (v && v !== 'off' ? String(v) : undefined), parse: (v?: string) => v };

function scalar(name: string, field: ScalarField, codec: Codec, init = false): Param {
  return {
    ...(init ? { init: name } : {}),
    render: (spec) => {
      const v = codec.render(spec[field] as Value);
      return v === undefined ? [] : [v === null ? name : `${name}=${v}`];
    },
    parse: (n, value, _param, state) => {
      if (n !== name) return false;
      const parsed = codec.parse(value);
      if (parsed === undefined || parsed === '') return false;
      state.spec[field] = parsed;
      return true;
    },
  };
}

const rootfsParams = ['root=/dev/root', 'rootfstype=hostfs', 'ro', 'init=/init'];
/** A mesh setting's value as zod takes it: a number where the setting is numeric. */
const meshValue = (knob: keyof MeshSettings, value: string) =>
  /^\d+$/.test(value) && MeshSettings.shape[knob].safeParse(Number(value)).success ? Number(value) : value;

export const params: Param[] = [
  scalar('mem', 'mem', text),
  scalar('umid', 'umid', text),
  scalar('uml_dir', 'umlDir', text),
  {
    // the image: an initramfs, or a shared read-only hostfs root
    render: (spec) =>
      !spec.image
        ? []
        : spec.rootfs === 'hostfs'
          ? ['root=/dev/root', 'rootfstype=hostfs', `rootflags=${spec.image}/root`, 'ro', 'init=/init']
          : [`initrd=${spec.image}/initramfs.cpio`],
    parse: (name, value, param, state) => {
      if (name === 'initrd' && value?.endsWith('/initramfs.cpio'))
        state.spec.image = value.slice(0, -'/initramfs.cpio'.length);
      else if (name === 'rootflags' && value?.endsWith('/root')) state.hostfsRoot = value.slice(0, -'/root'.length);
      else return rootfsParams.includes(param);
      return true;
    },
  },
  {
    // interfaces: ethN=tuntap,… (the init reads which exist) and vecN:… (UML's alone)
    init: 'eth*',
    render: (spec) => interfacesOf(spec).flatMap((iface, i) => (iface ? [renderInterface(i, iface)] : [])),
    parse: (name, value, param, state) => {
      let m = /^vec(\d+):(.*)$/.exec(param);
      if (m) state.interfaces[Number(m[1])] = parseVector(m[2], param);
      else if ((m = /^eth(\d+)$/.exec(name)) && value?.startsWith('tuntap,')) {
        const [, tap, mac] = value.split(',');
        state.interfaces[Number(m[1])] = { driver: 'tuntap', tap, ...(mac ? { mac } : {}) };
      } else return false;
      return true;
    },
  },
  {
    // the legacy driver has no MTU option: the init sets it
    init: 'mtu_eth*',
    range: [Mtu.minValue!, Mtu.maxValue!],
    render: (spec) =>
      interfacesOf(spec).flatMap((iface, i) =>
        iface?.driver === 'tuntap' && iface.mtu ? [`mtu_eth${i}=${iface.mtu}`] : [],
      ),
    parse: (name, value, _param, state) => {
      const m = /^mtu_eth(\d+)$/.exec(name);
      if (!m || !value) return false;
      state.mtus.set(Number(m[1]), Number(value));
      return true;
    },
  },
  scalar('bat0_hwaddr', 'bat0Mac', text, true),
  scalar('service_ip', 'serviceIp', text, true),
  scalar('routing_algo', 'routingAlgo', text, true),
  scalar('run_alfred', 'alfred', unlessOff, true),
  scalar('run_u9fs', 'u9fs', flagOrRo, true),
  scalar('run_batctl_wrapper', 'batctlWrapper', flagOrRo, true),
  scalar('run_batctl_console', 'batctlConsole', flag, true),
  scalar('run_script', 'runScript', text, true),
  {
    // /path=value: batman-adv's settings (as their sysfs paths), then the spec's own writes
    init: '/*',
    render: (spec) => [
      ...meshKnobs.filter((k) => spec.mesh[k] !== undefined).map((k) => `${meshPath(k)}=${spec.mesh[k]}`),
      ...spec.writes.map(({ path, value }) => `${path}=${value}`),
    ],
    parse: (name, value, _param, state) => {
      if (!name.startsWith('/') || value === undefined) return false;
      const knob = meshKnobs.find((k) => meshPath(k) === name);
      if (knob) state.spec.mesh[knob] = meshValue(knob, value);
      else state.spec.writes.push({ path: name, value });
      return true;
    },
  },
];

/** Every parameter a spec makes, in the table's order. */
export const renderParams = (spec: NodeSpec) => params.flatMap((p) => p.render(spec));

/** The parameters of an argv gathered into an unvalidated spec. */
export function parseParams(argv: string[]): ParseState {
  const state: ParseState = { spec: { mesh: {}, writes: [] }, interfaces: [], mtus: new Map() };
  for (const param of argv) {
    const eq = param.indexOf('=');
    const [name, value] = eq < 0 ? [param, undefined] : [param.slice(0, eq), param.slice(eq + 1)];
    if (!params.some((p) => p.parse(name, value, param, state)))
      throw new CmdlineError(`unknown or malformed parameter ${JSON.stringify(param)}`);
  }
  return state;
}
