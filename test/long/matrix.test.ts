// The build matrix (long suite: a build matrix is module builds one after another, which the
// 60-minute suite from an empty store has no room for): 2 × 2 — two batman-adv trees against
// 6.12, an option on and off. One tree is broken on purpose where only that option compiles
// (bridge_loop_avoidance.c): its cell fails by name, the others build, the clean all-on cell
// meshes. An option a tree lacks fails its cells by name. Skips with one line where
// ../shared/fixtures is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { execa } from 'execa';
import { batuCli } from '../fixtures/cli-helpers.ts';
import { sharedFixture, sharedFixtures } from '../fixtures/shared-fixtures.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

test(
  'batu matrix: two trees × an option on and off, a table of four cells; the cell broken on purpose fails by name; an option a tree lacks too',
  { timeout: 40 * 60_000 },
  async (t) => {
    const tarball = sharedFixture('upstream/batman-adv-2026.2.tar.gz');
    if (!tarball) return void t.skip(`batman-adv 2026.2: no ${sharedFixtures}`);
    const tree = async (name: string) => {
      const dir = `${await tempDir(t, 'bt-matrix-src-')}/${name}`;
      await execa('mkdir', [dir]);
      await execa('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
      return dir;
    };
    const clean = await tree('clean');
    const broken = await tree('broken');
    await appendFile(`${broken}/net/batman-adv/bridge_loop_avoidance.c`, '\n#error "broken on purpose"\n');

    const run = await batuCli('matrix', '--kernels', '6.12', '--batman-adv', `${clean},${broken}`, '--config', 'BLA');
    assert.equal(run.exitCode, 1, 'a failed cell fails the matrix');
    const table = String(run.stdout);
    const row = (tree: string, config: string) =>
      table.split('\n').find((l) => l.includes(tree) && l.includes(config)) ?? `no row for ${tree} × ${config}`;
    assert.match(row(clean, 'all on'), /yes \(\d+(\.\d+)? s\)\s+\d+\s+\d+(\.\d+)? s$/, 'built, warnings, converged');
    assert.match(row(clean, 'all off'), /yes \(/);
    assert.match(row(broken, 'all on'), /NO: .*bridge_loop_avoidance\.c.*error.*broken on purpose/);
    assert.match(row(broken, 'all off'), /yes \(/, 'without BLA the broken file is not compiled');
    assert.match(String(run.stderr), /matrix: 6\.12 × .*broken × all on: FAILED/, 'the progress names the cell');

    const lacking = await batuCli('matrix', '--batman-adv', clean, '--config', 'NC', '--no-converge');
    assert.equal(lacking.exitCode, 1);
    assert.match(String(lacking.stdout), /NO: this batman-adv has no option NC \(CONFIG_BATMAN_ADV_NC\)/);
  },
);
