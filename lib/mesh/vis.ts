// batadv-vis draws a mesh by MAC: every node a cluster of its interfaces' MACs, every link
// an edge between two of them, every client (translation table entry) an edge to its MAC.
// A batu mesh's MACs name their node (02:ba:<node>:<role>:<index>), so the picture can
// carry the names: each interface labelled with its node's name over its MAC, each cluster
// with the node's name; the MACs stay the graph's ids (and an SVG's hover titles).
import { nodeOfMac } from './node-spec.ts';

/** What a batu MAC is, by its role byte (lib/mesh/node-spec.ts nodeMac). */
const roles: Record<number, string> = { 0: 'bat0', 1: 'client tap', 2: '' };

/** The node of this mesh a MAC belongs to, and what it is there; undefined for a MAC that is not one of its nodes'. */
function macOwner(names: readonly string[], mac: string): { name: string; role: string } | undefined {
  if (!/^02:ba:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/.test(mac)) return undefined;
  const name = names[nodeOfMac(mac) - 1];
  const role = roles[parseInt(mac.slice(12, 14), 16)];
  return name === undefined || role === undefined ? undefined : { name, role };
}

/** A label for a MAC of this mesh ('n3', 'n3 bat0'), or undefined for a MAC that is not one of its nodes'. */
export function macLabel(names: readonly string[], mac: string): string | undefined {
  const owner = macOwner(names, mac);
  return owner && (owner.role ? `${owner.name} ${owner.role}` : owner.name);
}

/** A dot string of lines (dot's own \\n between them). */
export const dotText = (...lines: string[]) => `"${lines.map((l) => l.replace(/["\\]/g, '\\$&')).join('\\n')}"`;

/**
 * batadv-vis's dot with names: an interface line `"MAC"` gains `label="name\nMAC"`, a cluster
 * `label="name"`, and a MAC seen only at an edge's end (a client, a node that has not
 * reported yet) a node line of its own when it is one of the mesh's.
 */
export function nameVisDot(dot: string, names: readonly string[]): string {
  const declared = new Set<string>();
  const lines = dot.split('\n').map((line) => {
    const cluster = /^(\s*)subgraph "cluster_([0-9a-f:]{17})" \{$/.exec(line);
    if (cluster) {
      const name = macOwner(names, cluster[2])?.name;
      return name ? `${line}\n${cluster[1]}\tlabel=${dotText(name)}` : line;
    }
    const node = /^(\s*)"([0-9a-f:]{17})"(?: \[(.*)\])?$/.exec(line);
    if (!node) return line;
    declared.add(node[2]);
    const label = macLabel(names, node[2]);
    if (!label) return line;
    const attributes = [`label=${dotText(label, node[2])}`, ...(node[3] ? [node[3]] : [])];
    return `${node[1]}"${node[2]}" [${attributes.join(', ')}]`;
  });
  const ends = [...dot.matchAll(/-> "([0-9a-f:]{17})"/g)].map((m) => m[1]);
  const extra = [...new Set(ends)]
    .filter((mac) => !declared.has(mac) && macLabel(names, mac))
    .map((mac) => `\t"${mac}" [label=${dotText(macLabel(names, mac)!, mac)}]`);
  if (!extra.length) return lines.join('\n');
  const close = lines.lastIndexOf('}');
  if (close < 0) return lines.join('\n');
  return [...lines.slice(0, close), ...extra, ...lines.slice(close)].join('\n');
}
