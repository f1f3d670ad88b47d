// batu mesh manifests: the Kubernetes objects that run a mesh on a cluster.
import { InvalidArgumentError, Option } from 'commander';
import { stringify } from 'yaml';
import { stderrReporter } from '../../../lib/derivations/index.ts';
import { formatIssues, shown } from '../../../lib/issues.ts';
import { ManifestOptions, manifests } from '../../../lib/mesh/index.ts';
import { jsonOption } from '../common.ts';
import { readTopology, splitCommand } from './shared.ts';

export const manifestsCommand = () =>
  splitCommand(
    'manifests',
    'the Kubernetes objects that run a mesh on a cluster, one pod per partition (YAML, or --json); apply with kubectl apply -f -',
    'how many pods',
  )
    .requiredOption('--image <ref>', "batu's container image as the cluster pulls it")
    .option('-n, --name <name>', 'the StatefulSet and Service (default: batu-mesh)', 'batu-mesh')
    .option('--namespace <ns>', 'the Kubernetes namespace', 'default')
    .addOption(
      new Option('--pod <ordinal>', 'only this part, as a Pod with its ConfigMap (for podman kube play)').argParser(
        ordinal,
      ),
    )
    .addOption(jsonOption())
    .action(run);

function ordinal(value: string): number {
  if (!/^\d{1,3}$/.test(value))
    throw new InvalidArgumentError(`expected a pod's ordinal (0, 1, …), got ${shown(value)}`);
  return Number(value);
}

async function run(
  file: string | undefined,
  options: {
    topo?: string;
    parts: number;
    image: string;
    name: string;
    namespace: string;
    pod?: number;
    json?: boolean;
  },
): Promise<void> {
  const { loaded } = await readTopology(file, options.topo, 'manifests');
  const { parts, image, name, namespace, pod } = options;
  const checked = ManifestOptions.safeParse({ parts, image, name, namespace, pod });
  if (!checked.success) throw new Error(formatIssues(checked.error, { prefix: 'bad --' }));
  const made = manifests(loaded.topology, checked.data);
  stderrReporter(
    pod === undefined
      ? `${parts} pods, ${made.cutLinks} links between them (L2TPv3/UDP)`
      : `pod ${name}-${pod} of ${parts}, ${made.cutLinks} links between the pods (L2TPv3/UDP)`,
  );
  process.stdout.write(
    options.json
      ? `${JSON.stringify(made.objects, null, 2)}\n`
      : made.objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n'),
  );
}
