// batu mesh manifests: the Kubernetes objects that run a mesh on a cluster.
import { stringify } from 'yaml';
import { stderrReporter } from '../../../lib/derivations/index.ts';
import { formatIssues } from '../../../lib/issues.ts';
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
    .addOption(jsonOption())
    .action(run);

async function run(
  file: string | undefined,
  options: { topo?: string; parts: number; image: string; name: string; namespace: string; json?: boolean },
): Promise<void> {
  const { loaded } = await readTopology(file, options.topo, 'manifests');
  const { parts, image, name, namespace } = options;
  const checked = ManifestOptions.safeParse({ parts, image, name, namespace });
  if (!checked.success) throw new Error(formatIssues(checked.error, { prefix: 'bad --' }));
  const made = manifests(loaded.topology, checked.data);
  stderrReporter(`${options.parts} pods, ${made.cutLinks} links between them (L2TPv3/UDP)`);
  process.stdout.write(
    options.json
      ? `${JSON.stringify(made.objects, null, 2)}\n`
      : made.objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n'),
  );
}
