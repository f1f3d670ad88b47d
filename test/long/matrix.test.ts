// The build matrix (long suite: a build matrix is module builds one after another, which the
// 60-minute suite from an empty store has no room for): a batman-adv tree against 6.12 with an
// option on and off, built and meshed; an option the tree lacks fails its cells by name. Skips
// with one line where ../shared/fixtures is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { batuCli } from '../fixtures/cli-helpers.ts';
import { sharedFixture, sharedFixtures } from '../fixtures/shared-fixtures.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

test(
  'batu matrix: a tree against 6.12 with an option on and off, built and meshed; an option it lacks fails its cells by name',
  { timeout: 40 * 60_000 },
  async (t) => {
    const tarball = sharedFixture('upstream/batman-adv-2026.2.tar.gz');
    if (!tarball) return void t.skip(`batman-adv 2026.2: no ${sharedFixtures}`);
    const dir = await tempDir(t, 'bt-matrix-src-');
    await execa('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
    const run = await batuCli('matrix', '--kernels', '6.12', '--batman-adv', dir, '--config', 'BLA', '--json');
    assert.equal(run.exitCode, 0, String(run.stderr));
    const cells = JSON.parse(String(run.stdout)) as { config: string; built: boolean; converged?: number | false }[];
    assert.deepEqual(
      cells.map((c) => [c.config, c.built]),
      [
        ['all on', true],
        ['all off', true],
      ],
    );
    assert.equal(typeof cells[0].converged, 'number', 'the all-on cell meshes');
    const lacking = await batuCli('matrix', '--batman-adv', dir, '--config', 'NC', '--no-converge');
    assert.equal(lacking.exitCode, 1);
    assert.match(String(lacking.stdout), /NO: this batman-adv has no option NC \(CONFIG_BATMAN_ADV_NC\)/);
  },
);
