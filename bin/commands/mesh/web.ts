// batu mesh web: a running mesh's live page (and its exports, /metrics), served until ctrl-c.
import { Option } from 'commander';
import { controlSource, meshRequest, parseListen, serveWeb } from '../../../lib/mesh/index.ts';
import { meshCommand, meshName } from './shared.ts';

export const webCommand = () =>
  meshCommand(
    'web',
    'serve a live page of the mesh (and /meshviewer.json, /netjson.json, /mesh.dot, /metrics) until ctrl-c',
  )
    .addOption(new Option('--listen <host:port>', 'where to serve it').default('127.0.0.1:8080'))
    .addOption(
      new Option(
        '--interval <ms>',
        'how often the page is brought up to date (default: the OGM interval, at least 1 s)',
      ).argParser((v) => {
        const ms = Number(v);
        if (!Number.isInteger(ms) || ms < 200 || ms > 60_000)
          throw new Error(`--interval ${v}: expected 200 to 60000 ms`);
        return ms;
      }),
    )
    .action(async (options: { name?: string; listen: string; interval?: number }) => {
      const listen = parseListen(options.listen);
      const name = await meshName(options);
      const first = await meshRequest(name, { op: 'snapshot', routes: true }); // the mesh answers, before we listen
      const intervalMs = options.interval ?? Math.max(1000, first.origIntervalMs);
      const server = await serveWeb(controlSource(name), { ...listen, intervalMs });
      process.stdout.write(`mesh ${name}: ${server.url} (ctrl-c ends it)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
