// batu mesh capture A B: the frames of link A-B, from a host device they pass (a tap link's
// bridge, in the mesh's namespace) or else streamed by the node at one end (socketpair links,
// L2TPv3 links to other hosts): Wireshark's dumpcap writes them to a file (-w, pcapng), or
// tshark prints them decoded (batman-adv's frames by its batadv dissector). Until ctrl-c, -c
// frames or --duration seconds.
import { execa } from 'execa';
import { InvalidArgumentError } from 'commander';
import { shown } from '../../../lib/issues.ts';
import { guestCapture, type CaptureStream } from '../../../lib/mesh/index.ts';
import { Netns } from '../../../lib/runner/index.ts';
import { secondsArg } from '../common.ts';
import { meshCommand, request } from './shared.ts';

interface CaptureOptions {
  name?: string;
  write?: string;
  count?: number;
  duration?: number;
}

const countArg = (value: string) => {
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new InvalidArgumentError(`expected a number of frames, got ${shown(value)}`);
  return Number(value);
};

export const captureCommand = () =>
  meshCommand('capture', "capture a link's frames: to a pcapng file, or decoded")
    .argument('<a>')
    .argument('<b>')
    .option('-w, --write <file>', 'write them to this pcapng file (dumpcap); else print them decoded (tshark)')
    .option('-c, --count <frames>', 'stop after this many frames', countArg)
    .option('--duration <seconds>', 'stop after this long', secondsArg)
    .action(async (a: string, b: string, options: CaptureOptions) => {
      const point = await request(options, { op: 'capturePoint', a, b });
      // A host device is captured where it is; a node's stream is read from a pipe.
      const input = point.kind === 'device' ? point.device : '-';
      const stop = [
        ...(options.count ? ['-c', String(options.count)] : []),
        ...(options.duration ? ['-a', `duration:${options.duration}`] : []),
      ];
      const tool = options.write ? ['dumpcap', '-q', '-i', input, '-w', options.write] : ['tshark', '-l', '-i', input];
      if ((await execa('sh', ['-c', `command -v ${tool[0]}`], { reject: false })).exitCode !== 0)
        throw new Error(`mesh capture needs Wireshark's ${tool[0]} (Debian: apt-get install tshark)`);
      let stream: CaptureStream | undefined;
      if (point.kind === 'guest') stream = await guestCapture(point);
      const command =
        point.kind === 'device' ? [...Netns.existing(point.netns).prefix, ...tool, ...stop] : [...tool, ...stop];
      const run = execa(command[0], command.slice(1), {
        stdin: stream ? 'pipe' : 'inherit',
        stdout: 'inherit',
        stderr: 'inherit',
        reject: false,
      });
      if (stream) {
        run.stdin!.on('error', () => {}); // the tool stopped reading: it is done
        stream.pcap.pipe(run.stdin!);
      }
      // ctrl-c reaches the capture too (same process group): it ends the file and exits.
      process.on('SIGINT', () => {});
      process.exitCode = (await run).exitCode ?? 1;
      await stream?.stop();
    });
