// The mesh as batadv-vis sees it from one node (its alfred gathers every node's vis data):
// JSON, Graphviz dot, or dot rendered to SVG.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { alfredBridge, guestCommand, type NodeRef } from './services.ts';

export const visFormats = ['json', 'dot', 'svg'] as const;
export type VisFormat = (typeof visFormats)[number];

/** Graphviz's SVG of a dot graph. */
export const dotToSvg = async (dot: string) => (await execa('dot', ['-Tsvg'], { input: dot })).stdout;

export async function visualize(node: NodeRef, format: VisFormat = 'dot'): Promise<string> {
  if (!visFormats.includes(format))
    throw new Error(`unknown vis format ${JSON.stringify(format)} (known: ${visFormats.join(', ')})`);
  const asked = format === 'svg' ? 'dot' : format;
  // A node with a batctl console (rootless meshes, simulated time) draws it in the guest.
  if (node.batctlConsole) {
    const out = await guestCommand(node, 'batadv-vis', ['-f', asked]);
    return format === 'svg' ? dotToSvg(out) : out;
  }
  const dir = await mkdtemp(join(tmpdir(), 'batu-vis-'));
  const bridge = await alfredBridge(node, join(dir, 'alfred.sock'));
  try {
    const { stdout } = await execa('batadv-vis', ['-u', bridge.socket, '-f', asked]);
    return format === 'svg' ? dotToSvg(stdout) : stdout;
  } finally {
    await bridge.close();
    await rm(dir, { recursive: true, force: true });
  }
}
