// The contract between the guest init and the spec: every batman-adv setting a spec offers
// (MeshSettings) is one the init turns into a batctl command, and every knob the init knows
// is either offered or named, with its reason, as init-only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { MeshSettings, meshKnobs } from '../../lib/cmdline/index.ts';
import { initOnlyMeshKnobs } from '../../lib/cmdline/schema.ts';

const settingsC = readFileSync(new URL('../../guest/init/settings.c', import.meta.url), 'utf8');

/** The init's table `name[] = { { "knob", … }, … };` as knob names. */
function initTable(name: string): string[] {
  const table = settingsC.match(new RegExp(`\\b${name}\\[\\]\\s*=\\s*\\{([\\s\\S]*?)\\n\\};`));
  assert.ok(table, `guest/init/settings.c has no table ${name}`);
  return [...table[1].matchAll(/\{\s*"([a-z_]+)"/g)].map((m) => m[1]);
}

test('every mesh knob of the guest init is a MeshSettings key or named init-only, and the other way round', () => {
  const init = initTable('mesh_knobs');
  assert.ok(init.length >= 10, `read ${init.length} knobs from settings.c: the table's shape changed`);
  const offered = new Set<string>(meshKnobs);
  const initOnly = Object.keys(initOnlyMeshKnobs);
  assert.deepEqual(
    init.filter((k) => !offered.has(k) && !initOnly.includes(k)),
    [],
    'knobs the init knows that MeshSettings neither offers nor names init-only',
  );
  assert.deepEqual(
    meshKnobs.filter((k) => !init.includes(k)),
    [],
    'MeshSettings keys the init does not turn into batctl commands',
  );
  assert.deepEqual(
    initOnly.filter((k) => offered.has(k) || !init.includes(k)),
    [],
    'init-only knobs that are offered after all, or unknown to the init',
  );
});

test('the knobs added to MeshSettings take what batctl takes and refuse the rest', () => {
  assert.ok(MeshSettings.safeParse({ multicast_fanout: 16, isolation_mark: '0x10/0x10' }).success);
  assert.ok(MeshSettings.safeParse({ isolation_mark: '16' }).success);
  assert.ok(!MeshSettings.safeParse({ multicast_fanout: 0 }).success);
  assert.ok(!MeshSettings.safeParse({ isolation_mark: '0x10/' }).success);
  assert.ok(!MeshSettings.safeParse({ log_level: 255 }).success, 'log_level is init-only');
});
