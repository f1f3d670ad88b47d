// batu mesh status: what every node knows, of one mesh, or --across all hosts of a partitioned one.
import { describeAcross, describeStatus, loadTopology, statusAcross } from '../../../lib/mesh/index.ts';
import { jsonOption, output } from '../common.ts';
import { meshCommand, request } from './shared.ts';

export const statusCommand = () =>
  meshCommand('status', 'what every node knows: neighbours, originators, gateway and its TQ')
    .option('--across <topology>', "a partitioned mesh's status from all its hosts (asks each over HTTP)")
    .addOption(jsonOption())
    .action(async (options: { name?: string; across?: string; json?: boolean }) => {
      if (options.across) {
        const status = await statusAcross((await loadTopology(options.across)).topology);
        return output(options, status, () => describeAcross(status));
      }
      const status = await request(options, { op: 'status' });
      output(options, status, () => describeStatus(status));
    });
