// Records on disk (lib/record.ts) and the errors a library user can tell apart.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { z } from 'zod';
import { RecordError, readRecord, writeRecord } from '../../lib/record.ts';

const dir = await mkdtemp(join(tmpdir(), 'batu-test-records-'));
process.env.BATU_RUN_DIR = dir; // before the runner is loaded: its run root is read once
const { listNodes, NodeRecord } = await import('../../lib/runner/index.ts');
const { MeshError, TopologyError, line, linkBetween, nodeNumber, Topology } = await import('../../lib/mesh/index.ts');
test.after(() => rm(dir, { recursive: true, force: true }));

test('a record is written whole through its schema and read back checked; a bad one is named', async () => {
  const Thing = z.strictObject({ n: z.number() });
  const file = join(dir, 'thing.json');
  assert.equal(await readRecord(file, Thing), undefined, 'none yet');
  await writeRecord(file, Thing, { n: 1 });
  assert.deepEqual(await readRecord(file, Thing), { n: 1 });
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.includes('.tmp')),
    [],
    'no temporary file left',
  );
  await assert.rejects(writeRecord(file, Thing, { n: 'x' } as never), /expected number/);
  await assert.rejects(writeRecord(file, Thing, { n: 2 }, { exclusive: true }), { code: 'EEXIST' });
  await writeFile(file, '{"n": 1');
  await assert.rejects(readRecord(file, Thing), (e: unknown) => {
    assert.ok(e instanceof RecordError);
    assert.equal(e.file, file);
    assert.match(e.message, /is not JSON, perhaps half-written/);
    return true;
  });
  await writeFile(file, '{"n": "one"}');
  await assert.rejects(
    readRecord(file, Thing),
    /thing\.json: is not a valid record: n: Invalid input: expected number/,
  );
});

test('batu ps lists the nodes whose records are good and names a half-written one', async () => {
  const nodes = join(dir, 'nodes');
  const good = { umid: 'bt-good', pid: process.pid, taps: [], umlDir: dir, spec: { umid: 'bt-good' } };
  await mkdir(join(nodes, 'bt-good'), { recursive: true });
  await writeRecord(join(nodes, 'bt-good', 'node.json'), NodeRecord, good);
  await mkdir(join(nodes, 'bt-half'), { recursive: true });
  await writeFile(join(nodes, 'bt-half', 'node.json'), '{"umid": "bt-half", "pid": 12');
  const bad: RecordError[] = [];
  const listed = await listNodes((e) => void bad.push(e));
  assert.deepEqual(
    listed.map((n) => [n.umid, n.pid]),
    [['bt-good', process.pid]],
  );
  assert.equal(bad.length, 1);
  assert.equal(bad[0].file, join(nodes, 'bt-half', 'node.json'));
});

test('lib/mesh throws kinds a caller can tell apart', () => {
  const topology = Topology.parse(line(3));
  assert.throws(() => nodeNumber(topology, 'n9'), TopologyError);
  assert.throws(
    () => linkBetween(topology, 'n1', 'n3'),
    (e: unknown) => e instanceof MeshError && /no link n1-n3/.test(String(e)),
  );
});
