// batu mesh partition: place a topology on hosts (balanced, few links between them).
import { stderrReporter } from '../../../lib/derivations/index.ts';
import { formatIssues } from '../../../lib/issues.ts';
import { Host, Topology, partition, placeOnHosts } from '../../../lib/mesh/index.ts';
import { readTopology, splitCommand } from './shared.ts';

export const partitionCommand = () =>
  splitCommand(
    'partition',
    'place a topology on hosts: balanced node counts, few links between hosts; prints the topology with its hosts',
    'how many hosts',
  )
    .option(
      '--hosts <list>',
      'the hosts as name=address,… (an IPv4 address or a DNS name); default p1=127.0.0.1, p2=127.0.0.2, … (one machine)',
    )
    .option('--base-port <port>', 'status on this port, links on the ports after it (default 17000)', Number)
    .action(run);

async function run(
  file: string | undefined,
  options: { topo?: string; parts: number; hosts?: string; basePort?: number },
): Promise<void> {
  const { loaded } = await readTopology(file, options.topo, 'partition');
  const hosts = options.hosts
    ? options.hosts.split(',').map((entry) => {
        const [name, address] = entry.split('=');
        const host = Host.safeParse({ name, address });
        if (!host.success)
          throw new Error(
            `bad host ${JSON.stringify(entry)}: expected name=address (${formatIssues(host.error, { top: '', first: true })})`,
          );
        return host.data;
      })
    : Array.from({ length: options.parts }, (_, i) => ({ name: `p${i + 1}`, address: `127.0.0.${i + 1}` }));
  const split = partition(loaded.topology, options.parts);
  const placed = placeOnHosts(
    { ...loaded.topology, ...(options.basePort ? { basePort: options.basePort } : {}) },
    split,
    hosts,
  );
  const checked = Topology.safeParse(placed);
  if (!checked.success) throw new Error(`cannot place it: ${formatIssues(checked.error, { top: '' })}`);
  stderrReporter(
    `${split.parts.length} parts (${split.parts.map((p) => p.length).join(' + ')} nodes), ${split.cutLinks} cut links`,
  );
  console.log(JSON.stringify(placed, null, 2));
}
