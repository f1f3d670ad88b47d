// `batu gateway units`: the gateway as systemd runs it, part by part, with Debian's own units
// where they exist. batu-gateway.target wants them all:
//   batu-gateway-net.service      oneshot, root: directories, nftables, forwarding, bridges
//   fastd@DEVICE.service          Debian's, reading /etc/fastd/DEVICE/fastd.conf (its on-up
//                                 puts its tap into its bridge)
//   kea-dhcp4-server.service      Debian's (as _kea), a drop-in pointing it at batu's config
//   radvd.service                 Debian's, a drop-in likewise
//   batu-gateway-node@DOMAIN      the node: batu (root) makes its taps and hands them to UML,
//                                 which runs as the gateway's user with no capability (as in
//                                 gateway up; a unit User= would lose the runner's private view
//                                 of a store the user cannot reach); Restart=on-failure
//   batu-gateway-serve.service    respondd and the metrics (port 1001: CAP_NET_BIND_SERVICE)
// Files are returned with absolute paths as installed (`--out DIR` puts them under DIR).
import { join } from 'node:path';
import { daemonConfigs, type ConfigPlaces } from './configs.ts';
import type { GatewayFile } from './file.ts';
import { defaultDrainMs } from './node-run.ts';
import type { GatewayPlan } from './plan.ts';

export interface UnitsOptions extends ConfigPlaces {
  /** The gateway file, absolute (the net, node and serve units read it). */
  file: string;
  /** How to run batu: argv (absolute), and the directory it must run in (a checkout's tsx). */
  batu: string[];
  workingDirectory: string;
  store: string;
  kernel: string;
  image: string;
  /** kea's user in Debian's unit. */
  keaUser?: string;
  /** Where batu's configurations go (default /etc/batu-gateway). */
  configDir?: string;
}

export interface UnitFile {
  path: string;
  content: string;
  mode: number;
}

const SYSTEM = '/etc/systemd/system';

/** A word systemd must take as it is: no specifier (%) and no variable ($) in it. */
const literal = (word: string) => word.replace(/%/g, '%%').replace(/\$/g, '$$$$');

/** A command line as systemd reads it: each word quoted where it must be. */
const execLine = (argv: string[]) =>
  argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`)).join(' ');

const unit = (sections: Record<string, (string | false | undefined)[]>) =>
  `# batu gateway units (generated from the gateway file; change that and generate again)\n` +
  Object.entries(sections)
    .map(([name, lines]) => `[${name}]\n${lines.filter(Boolean).join('\n')}\n`)
    .join('\n');

export async function gatewayUnits(
  gateway: GatewayFile,
  plan: GatewayPlan,
  options: UnitsOptions,
): Promise<UnitFile[]> {
  const configDir = options.configDir ?? '/etc/batu-gateway';
  const keaUser = options.keaUser ?? '_kea';
  const batu = (...args: string[]) => execLine([...options.batu.map(literal), ...args]);
  // Paths from the caller, as systemd must read them (%i and %t below are meant).
  const [file, runDir, stateDir, kernel, image, store, cwd] = [
    options.file,
    options.runDir,
    options.stateDir,
    options.kernel,
    options.image,
    options.store,
    options.workingDirectory,
  ].map(literal);
  const files: UnitFile[] = [];
  const add = (path: string, content: string, mode = 0o644) => files.push({ path, content, mode });
  const partOf = ['Requires=batu-gateway-net.service', 'After=batu-gateway-net.service', 'PartOf=batu-gateway.target'];
  const places = { runDir: options.runDir, stateDir: options.stateDir };
  const configs = await daemonConfigs(gateway, plan, places);
  const wants: string[] = ['batu-gateway-net.service'];

  add(
    join(SYSTEM, 'batu-gateway-net.service'),
    unit({
      Unit: [
        "Description=batu gateway: the host's side (directories, nftables, forwarding, bridges)",
        'After=network.target',
        'PartOf=batu-gateway.target',
      ],
      Service: [
        'Type=oneshot',
        'RemainAfterExit=yes',
        `WorkingDirectory=${cwd}`,
        `ExecStart=${batu('gateway', 'net', 'up', file, '--run-dir', runDir, '--state-dir', stateDir, '--kea-user', keaUser)}`,
        `ExecStop=${batu('gateway', 'net', 'down', file)}`,
      ],
    }),
  );

  for (const config of configs) {
    if (config.daemon === 'fastd') {
      const device = config.name.replace(/\.conf$/, '');
      add(`/etc/fastd/${device}/fastd.conf`, config.content, config.mode);
      add(join(SYSTEM, `fastd@${device}.service.d`, 'batu-gateway.conf'), unit({ Unit: partOf }));
      wants.push(`fastd@${device}.service`);
    } else if (config.daemon === 'kea-dhcp4') {
      const conf = join(configDir, config.name);
      add(conf, config.content, config.mode);
      add(
        join(SYSTEM, 'kea-dhcp4-server.service.d', 'batu-gateway.conf'),
        unit({
          Unit: partOf,
          Service: [
            `Environment=KEA_PIDFILE_DIR=${join(runDir, 'kea')}`,
            'ExecStart=',
            `ExecStart=${execLine(['/usr/sbin/kea-dhcp4', '-c', conf])}`,
          ],
        }),
      );
      wants.push('kea-dhcp4-server.service');
    } else if (config.daemon === 'radvd') {
      const conf = join(configDir, config.name);
      add(conf, config.content, config.mode);
      const radvd = ['/usr/sbin/radvd', '--logmethod', 'stderr_clean', '-C', conf];
      add(
        join(SYSTEM, 'radvd.service.d', 'batu-gateway.conf'),
        unit({
          // Debian's unit runs only where /etc/radvd.conf exists: that condition is reset.
          Unit: ['ConditionPathExists=', ...partOf],
          Service: [
            'ExecStartPre=',
            `ExecStartPre=${execLine([...radvd, '--configtest'])}`,
            'ExecStart=',
            `ExecStart=${execLine(radvd)}`,
            'ExecReload=',
            `ExecReload=${execLine([...radvd, '--configtest'])}`,
            'ExecReload=/bin/kill -HUP $MAINPID',
          ],
        }),
      );
      wants.push('radvd.service');
    }
  }

  for (const domain of gateway.domains) wants.push(`batu-gateway-node@${domain.name}.service`);
  add(
    join(SYSTEM, 'batu-gateway-node@.service'),
    unit({
      Unit: ['Description=batu gateway: the node of domain %i', ...partOf],
      Service: [
        'RuntimeDirectory=batu-gateway-node-%i',
        'Environment=BATU_RUN_DIR=%t/batu-gateway-node-%i',
        `Environment=BATU_STORE=${store}`,
        `WorkingDirectory=${cwd}`,
        `ExecStart=${batu('gateway', 'node', file, '%i', '--kernel', kernel, '--image', image)}`,
        'Restart=on-failure',
        'RestartSec=2s',
        // SIGTERM first withdraws the gateway announcement for three OGM intervals.
        `TimeoutStopSec=${Math.ceil(defaultDrainMs(gateway) / 1000) + 30}s`,
        'NoNewPrivileges=yes',
      ],
    }),
  );

  add(
    join(SYSTEM, 'batu-gateway-serve.service'),
    unit({
      Unit: ['Description=batu gateway: respondd and the metrics', ...partOf],
      Service: [
        `WorkingDirectory=${cwd}`,
        `Environment=BATU_STORE=${store}`,
        `ExecStart=${batu('gateway', 'serve', file, '--run-dir', runDir)}`,
        'Restart=on-failure',
        'RestartSec=2s',
        // Port 1001, and the daemons' sockets (fastd's user's, kea's): nothing else.
        'CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_DAC_OVERRIDE',
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'ProtectHome=read-only',
        'PrivateTmp=yes',
      ],
    }),
  );
  wants.push('batu-gateway-serve.service');

  add(
    join(SYSTEM, 'batu-gateway.target'),
    unit({
      Unit: [`Description=batu gateway (${file})`, `Wants=${wants.join(' ')}`],
      Install: ['WantedBy=multi-user.target'],
    }),
  );
  return files;
}
