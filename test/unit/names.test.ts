// Names from outside (topology files, control requests, exec arguments) are taken exactly,
// and an error shows a bad one cut short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromMeshnetLab } from '../../lib/mesh/sources.ts';
import { aliasOf } from '../../lib/mesh/control.ts';
import { Topology, line, nodeNumber } from '../../lib/mesh/index.ts';
import { guestCommand } from '../../lib/runner/index.ts';
import type { NodeSpec } from '../../lib/cmdline/index.ts';

test('a meshnet-lab file naming one node id twice is refused, naming the id', () => {
  assert.throws(
    () => fromMeshnetLab({ nodes: [{ id: 0 }, { id: 1 }, { id: 0 }], links: [{ source: 0, target: 1 }] }),
    /node id "0" appears twice in nodes/,
  );
});

test('a 1 MB node id is refused without being echoed whole', () => {
  const huge = 'x'.repeat(1 << 20);
  assert.throws(
    () => fromMeshnetLab({ links: [{ source: huge, target: 'b' }] }),
    (e: Error) => e.message.length < 300 && /links\.0\.source/.test(e.message),
  );
  const topology = Topology.parse(line(2));
  assert.throws(
    () => nodeNumber(topology, huge),
    (e: Error) => e.message.length < 200 && /1048578 characters/.test(e.message),
  );
});

test('the control socket takes a name as it is: "constructor" is no alias', () => {
  assert.equal(aliasOf({ 0: 'n1' }, '0'), 'n1');
  assert.equal(aliasOf({ 0: 'n1' }, 'constructor'), 'constructor');
  assert.equal(aliasOf({}, 'toString'), 'toString');
});

test('an exec argument holding a NUL is refused before anything is sent', async () => {
  const node = { spec: { umid: 'bt-x', batctlWrapper: true } as NodeSpec };
  await assert.rejects(guestCommand(node, 'batctl', ['ping', 'a\0b']), /argument 2 contains a NUL byte/);
});
