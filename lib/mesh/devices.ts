// Every host device and bridge a mesh makes, named in one place: short enough for Linux
// (IFNAMSIZ: 15 characters; node names have at most 6) and prefixed bt, so a leftover is
// recognisably batu's.
import { TopologyError } from './errors.ts';

export type DeviceKind =
  | 'management-bridge' // btmgmt: the nodes' management network (their services)
  | 'link-bridge' // btl<link>: one host bridge per tap link
  | 'management-tap' // bt<node>m: a node's management interface (eth0)
  | 'bat0-tap' // bt<node>b: the host side of a node's bat0 (eth1, bat0br in the guest)
  | 'link-tap' // bt<node>l<link>: a node's end of a tap link
  | 'client-veth' // bt<node>v: a client's veth end beside the bat0 tap
  | 'client-peer' // bt<node>p: its peer, inside the client's namespace
  | 'client-bridge'; // bt<node>c: joins the bat0 tap and the client's veth

export function hostDevice(kind: DeviceKind, node = '', link = 0): string {
  const name = {
    'management-bridge': 'btmgmt',
    'link-bridge': `btl${link}`,
    'management-tap': `bt${node}m`,
    'bat0-tap': `bt${node}b`,
    'link-tap': `bt${node}l${link}`,
    'client-veth': `bt${node}v`,
    'client-peer': `bt${node}p`,
    'client-bridge': `bt${node}c`,
  }[kind];
  if (name.length > 15) throw new TopologyError(`host device name ${name} (${kind}) is longer than Linux allows (15)`);
  return name;
}
