// The ports the guest init's services listen on and the ports the host's clients dial are
// the same numbers: guest/init/contract.h against lib/runner/contract.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { servicePorts } from '../../lib/runner/contract.ts';

test('the init and the runner agree on every service port', async () => {
  const header = await readFile(new URL('../../guest/init/contract.h', import.meta.url), 'utf8');
  const defined = Object.fromEntries(
    [...header.matchAll(/^#define BATU_PORT_(\w+) (\d+)/gm)].map((m) => [m[1].toLowerCase(), Number(m[2])]),
  );
  const expected = Object.fromEntries(Object.entries(servicePorts).map(([k, v]) => [k === 'ninep' ? '9p' : k, v]));
  assert.deepEqual(defined, expected);
  // The init uses its names, not numbers of its own.
  for (const file of ['init.c', 'batctl_service.c']) {
    const source = await readFile(new URL(`../../guest/init/${file}`, import.meta.url), 'utf8');
    for (const port of Object.values(servicePorts))
      assert.doesNotMatch(
        source.replace(/\/\*[\s\S]*?\*\//g, ''),
        new RegExp(`\\b${port}\\b`),
        `${file} spells out ${port}`,
      );
  }
});
