// mesh vis names its nodes: batadv-vis's dot (as alfred's vis/vis.c prints it) relabelled
// by the names a batu MAC carries, rendered by Graphviz.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { macLabel, nameVisDot } from '../../lib/mesh/vis.ts';

const names = ['gw', 'n2', 'n3'];
// n2 reported (two interfaces, links to gw and n3, its bat0 and a foreign client in its
// translation table); n3 has not reported yet, so it is only an edge's end.
const dot = `digraph {
	subgraph "cluster_02:ba:00:02:02:00" {
		"02:ba:00:02:02:00"
		"02:ba:00:02:02:01" [peripheries=2]
	}
	"02:ba:00:02:02:00" -> "02:ba:00:01:02:00" [label="1.000"]
	"02:ba:00:02:02:01" -> "02:ba:00:03:02:00" [label="1.016"]
	"02:ba:00:02:02:00" -> "02:ba:00:02:00:00" [label="TT"]
	"02:ba:00:02:02:00" -> "52:54:00:12:34:56" [label="TT"]
}
`;

test('macLabel: a batu MAC names its node and role; other MACs and unknown nodes have none', () => {
  assert.equal(macLabel(names, '02:ba:00:02:02:01'), 'n2');
  assert.equal(macLabel(names, '02:ba:00:01:00:00'), 'gw bat0');
  assert.equal(macLabel(names, '02:ba:00:03:01:00'), 'n3 client tap');
  assert.equal(macLabel(names, '02:ba:00:04:02:00'), undefined, 'no 4th node');
  assert.equal(macLabel(names, '02:ba:00:01:09:00'), undefined, 'no role 9');
  assert.equal(macLabel(names, '52:54:00:12:34:56'), undefined);
});

test('nameVisDot: interfaces and clusters carry names, MACs stay the ids, foreign clients stay as they are', async () => {
  const named = nameVisDot(dot, names);
  assert.match(named, /subgraph "cluster_02:ba:00:02:02:00" \{\n\t\tlabel="n2"\n/);
  assert.match(named, /\t\t"02:ba:00:02:02:00" \[label="n2\\n02:ba:00:02:02:00"\]\n/);
  assert.match(named, /\t\t"02:ba:00:02:02:01" \[label="n2\\n02:ba:00:02:02:01", peripheries=2\]\n/);
  // Edge ends that no cluster declared: the mesh's get a named node line, a foreign MAC none.
  assert.match(named, /\t"02:ba:00:01:02:00" \[label="gw\\n02:ba:00:01:02:00"\]\n/);
  assert.match(named, /\t"02:ba:00:03:02:00" \[label="n3\\n02:ba:00:03:02:00"\]\n/);
  assert.match(named, /\t"02:ba:00:02:00:00" \[label="n2 bat0\\n02:ba:00:02:00:00"\]\n/);
  assert.doesNotMatch(named, /^\s*"52:54:00:12:34:56" \[/m, 'a foreign client gets no node line');
  assert.equal(named.match(/->/g)?.length, 4, 'every edge kept');

  // Graphviz reads it: each name is a text line of the picture, each MAC a hover title.
  const svg = (await execa('dot', ['-Tsvg'], { input: named })).stdout;
  for (const name of ['n2', 'gw', 'n3', 'n2 bat0']) assert.match(svg, new RegExp(`>${name}</text>`), name);
  assert.match(svg, /<title>02:ba:00:02:02:01<\/title>/);
  assert.match(svg, /<title>cluster_02:ba:00:02:02:00<\/title>/);
});

test('nameVisDot: a mesh of other MACs, or no dot at all, comes back unchanged', () => {
  const foreign = dot.replaceAll('02:ba:', '0a:bc:');
  assert.equal(nameVisDot(foreign, names), foreign);
  assert.equal(nameVisDot('', names), '');
});
