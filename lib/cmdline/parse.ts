// The UML kernel's argv → NodeSpec: the inverse of render(), from the same parameter table
// (params.ts). A parameter it does not know, or one that is malformed, is an error naming it.
import { NodeSpec, type NodeSpecInput } from './schema.ts';
import { CmdlineError } from './error.ts';
import { checkCommandLine, runnerReserve } from './limits.ts';
import { parseParams } from './params.ts';
import { render } from './render.ts';
import { formatIssues } from '../issues.ts';

export { CmdlineError };

export function parse(argv: string[]): NodeSpec {
  const { spec, interfaces, mtus, hostfsRoot } = parseParams(argv);
  if (hostfsRoot) {
    spec.image = hostfsRoot;
    spec.rootfs = 'hostfs';
  }
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
  throw new CmdlineError(`invalid node spec:\n  ${formatIssues(result.error, { top: '(spec)', separator: '\n  ' })}`);
}
