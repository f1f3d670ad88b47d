// batu mount UMID DIR: the node's files through the host kernel's 9p file system.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { servicePorts } from '../../lib/runner/index.ts';
import { findNode, type Register } from './common.ts';

export const register: Register = (program) =>
  program
    .command('mount')
    .description("mount the node's files with the host kernel's 9p")
    .argument('<umid>')
    .argument('<dir>')
    .option('--aname <tree>', 'the exported tree to attach', '/')
    .action(async (umid: string, dir: string, options: { aname: string }) => {
      const node = await findNode(umid);
      if (!(await readFile('/proc/filesystems', 'utf8')).includes('\t9p\n')) {
        throw new Error(
          `this host's kernel has no 9p file system (mount -t 9p would fail); read the node's files with: batu fs ls ${node.umid} /`,
        );
      }
      const ip = node.serviceIp;
      if (!ip || !node.spec.u9fs) throw new Error(`node ${node.umid} runs no 9P server (u9fs and serviceIp)`);
      // nsenter --net: the mount lands in the host's mount namespace, its socket in the node's network.
      const netns = node.netns ? ['nsenter', `--net=/run/netns/${node.netns.name}`] : [];
      const mount = [
        'mount',
        '-t',
        '9p',
        '-o',
        `trans=tcp,port=${servicePorts.ninep},version=9p2000.L,aname=${options.aname}`,
        ip,
        dir,
      ];
      await execa(netns[0] ?? mount[0], [...netns.slice(1), ...(netns.length ? mount : mount.slice(1))]);
      console.log(`mounted ${node.umid}:${options.aname} on ${dir}`);
    });
