// The debug kernel (long suite: one more kernel build, KASAN and lockdep make it ~2× a plain
// one): a developer's batman-adv tree on it, as `mesh up --batman-adv-src DIR --debug` runs
// it. A clean tree's mesh reports nothing; the same tree with a deliberately broken
// originator code (test/fixtures/batman-adv-broken.patch: a double free per new originator, a
// leak per OGM) is caught by
// `mesh report`, which exits 1 naming KASAN's double-free and kmemleak's leak. Skips with one
// line where ../shared/fixtures is absent.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { realise, silentReporter } from '../../lib/derivations/index.ts';
import { linuxV15Debug } from '../../recipes/linux-v15.ts';
import { batuCli, detachedLine } from '../fixtures/cli-helpers.ts';
import { eventually } from '../fixtures/guest-helpers.ts';
import { sharedFixture, sharedFixtures } from '../fixtures/shared-fixtures.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

const kernelBuild = { timeout: 60 * 60_000 };
const broken = new URL('../fixtures/batman-adv-broken.patch', import.meta.url).pathname;

async function treeOrSkip(t: TestContext, patch?: string): Promise<string | undefined> {
  const tarball = sharedFixture('upstream/batman-adv-2026.2.tar.gz');
  if (!tarball) {
    t.skip(`batman-adv 2026.2: no ${sharedFixtures}`);
    return undefined;
  }
  const dir = await tempDir(t, 'bt-debug-src-');
  await execa('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
  if (patch) await execa('patch', ['-p1', '-d', dir, '-i', patch]);
  return dir;
}

/** `mesh report` once the nodes have met (every originator made), as text. */
async function reportOf(name: string) {
  await eventually(
    'the nodes see each other',
    async () =>
      /every node has a route to every other/.test(String((await batuCli('mesh', 'status', '-n', name)).stdout)),
    120_000,
  );
  return batuCli('mesh', 'report', '-n', name);
}

test('the debug variant of the default kernel boots a mesh whose report is clean', kernelBuild, async (t) => {
  await realise(await linuxV15Debug(), { report: silentReporter });
  const up = await detachedLine(t, 'btdebugdef', ['--debug']);
  assert.equal(up.exitCode, 0, String(up.stderr));
  const report = await reportOf('btdebugdef');
  assert.equal(report.exitCode, 0, String(report.stdout) + String(report.stderr));
  assert.match(String(report.stdout), /^n1 \(debug kernel\): clean$/m);
  assert.match(String(report.stdout), /^0 finding\(s\) on 2 node\(s\)$/m);
  // BATMAN_ADV_DEBUG: batman-adv's log levels can be set.
  const levels = await batuCli('mesh', 'exec', '-n', 'btdebugdef', 'n1', 'batctl', 'loglevel');
  assert.match(String(levels.stdout), /batman/i);
});

test(
  'a clean tree on the debug kernel reports nothing; a broken one is caught (KASAN double-free, kmemleak leak)',
  kernelBuild,
  async (t) => {
    const clean = await treeOrSkip(t);
    if (!clean) return;
    const up = await detachedLine(t, 'btdebugok', ['--batman-adv-src', clean, '--debug']);
    assert.equal(up.exitCode, 0, String(up.stderr));
    const ok = await reportOf('btdebugok');
    assert.equal(ok.exitCode, 0, String(ok.stdout) + String(ok.stderr));
    assert.match(String(ok.stdout), /^0 finding\(s\) on 2 node\(s\)$/m);
    await batuCli('mesh', 'down', '-n', 'btdebugok');

    const bad = (await treeOrSkip(t, broken))!;
    const upBad = await detachedLine(t, 'btdebugbad', ['--batman-adv-src', bad, '--debug']);
    assert.equal(upBad.exitCode, 0, String(upBad.stderr));
    let report = await reportOf('btdebugbad');
    // kmemleak reports an object once it is 5 s old and nothing points to it: ask again until then.
    const caught = (text: string, node: string) => {
      const part = text.split(/^(?=n\d )/m).find((p) => p.startsWith(`${node} `)) ?? '';
      return (
        /KASAN: BUG: KASAN: double-free in batadv_orig_node_new/.test(part) &&
        /kmemleak: unreferenced object 0x[0-9a-f]+ \(size \d+\) \(allocated in batadv_iv_ogm_orig_get\)/.test(part)
      );
    };
    await eventually(
      'both nodes report the double free and the leak',
      async () => {
        report = await batuCli('mesh', 'report', '-n', 'btdebugbad');
        return caught(String(report.stdout), 'n1') && caught(String(report.stdout), 'n2');
      },
      60_000,
    ).catch((e: Error) => assert.fail(`${e.message}:\n${String(report.stdout)}`));
    assert.equal(report.exitCode, 1, String(report.stdout) + String(report.stderr));
    const json = JSON.parse(String((await batuCli('mesh', 'report', '-n', 'btdebugbad', '--json')).stdout));
    assert.ok(json.findings >= 4, `findings: ${json.findings}`);
  },
);
