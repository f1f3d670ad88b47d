// What the mesh subcommands share: which mesh a command means, and reading a topology.
import { Command, Option } from 'commander';
import { formatIssues } from '../../../lib/issues.ts';
import {
  Topology,
  generateTopology,
  listMeshes,
  loadTopology,
  meshRequest,
  topoUsage,
  type OperationName,
  type ReplyOf,
  type RequestOf,
} from '../../../lib/mesh/index.ts';

export const nameOption = () => new Option('-n, --name <mesh>', 'which mesh (default: the only one running)');

/** A subcommand that reaches a running mesh by name. */
export const meshCommand = (name: string, description: string) =>
  new Command(name).description(description).addOption(nameOption());

/** A command on a topology split into parts: a file or --topo, and --parts. */
export const splitCommand = (name: string, description: string, parts: string) =>
  new Command(name)
    .description(description)
    .argument('[topology]', "a topology JSON file (batu's or meshnet-lab's)")
    .option('--topo <spec>', `a generated topology instead: ${topoUsage}`)
    .requiredOption('--parts <k>', parts, Number);

/** The mesh a command means: --name, or the only one running. */
export async function meshName(options: { name?: string }): Promise<string> {
  if (options.name) return options.name;
  const running = await listMeshes();
  if (running.length === 1) return running[0].name;
  throw new Error(
    running.length === 0
      ? 'no mesh is running (batu mesh up starts one)'
      : `${running.length} meshes are running (${running.map((m) => m.name).join(', ')}): say which with --name`,
  );
}

export async function request<K extends OperationName>(
  options: { name?: string },
  body: RequestOf<K>,
): Promise<ReplyOf<K>> {
  return meshRequest(await meshName(options), body);
}

/** A topology from a file or a --topo spec, checked. */
export async function readTopology(file: string | undefined, topo: string | undefined, command: string) {
  if (Boolean(file) === Boolean(topo))
    throw new Error(`mesh ${command} needs a topology: a file, or --topo SPEC (one of them)`);
  const loaded = file ? await loadTopology(file) : generateTopology(topo!);
  const parsed = Topology.safeParse(loaded.topology);
  if (!parsed.success) throw new Error(`bad topology ${file ?? topo}: ${formatIssues(parsed.error, { top: '' })}`);
  return { loaded, parsed: parsed.data };
}
