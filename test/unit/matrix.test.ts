import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellError, configVariants, describeMatrix, type Cell } from '../../bin/commands/matrix.ts';
import { batmanAdvModule } from '../../recipes/batman-adv.ts';
import { RecipeError } from '../../lib/derivations/index.ts';

test('the option sets a matrix builds: all on, each one off alone, all off (one option: on and off)', () => {
  assert.deepEqual(
    configVariants(['BLA', 'DAT']).map((v) => [v.label, v.config]),
    [
      ['all on', { BLA: true, DAT: true }],
      ['-BLA', { BLA: false, DAT: true }],
      ['-DAT', { BLA: true, DAT: false }],
      ['all off', { BLA: false, DAT: false }],
    ],
  );
  assert.deepEqual(
    configVariants(['NC']).map((v) => v.label),
    ['all on', 'all off'],
  );
  assert.deepEqual(configVariants([]), [{ label: 'default' }]);
});

test('the table: a row per cell, failures and unconverged meshes say so', () => {
  const cells: Cell[] = [
    { kernel: '6.12', batmanAdv: '2026.2', config: 'all on', built: true, seconds: 21.5, warnings: 0, converged: 4.2 },
    { kernel: '6.12', batmanAdv: '2026.2', config: 'all off', built: false, error: 'this batman-adv has no option NC' },
    { kernel: '6.1', batmanAdv: './tree', config: 'all on', built: true, seconds: 30, converged: false },
  ];
  const rows = describeMatrix(cells).split('\n');
  assert.equal(rows.length, 4);
  assert.match(rows[0], /^kernel\s+batman-adv\s+options\s+built\s+warnings\s+converged$/);
  assert.match(rows[1], /^6\.12\s+2026\.2\s+all on\s+yes \(21\.5 s\)\s+0\s+4\.2 s$/);
  assert.match(rows[2], /NO: this batman-adv has no option NC$/);
  assert.match(rows[3], /\? \(cached\)\s+NO \(90 s\)$/);
});

test("a module's options become make's, checked against its Makefile; a bad name is refused", async () => {
  const src = { name: 'batman-adv-x', sha256: '0'.repeat(64) } as never;
  await assert.rejects(batmanAdvModule({ src, version: 'x', config: { 'BLA; rm': true } }), RecipeError);
});

test("a failed cell's reason: the compiler's first error, its file relative to the source", () => {
  const log = [
    'make -C /var/cache/batu/store/.tmp/x.1.2/build/kbuild M=/var/cache/batu/store/.tmp/x.1.2/build/src',
    './include/linux/slab.h:959: note: this is the location of the previous definition',
    '/var/cache/batu/store/.tmp/x.1.2/build/src/net/batman-adv/bridge_loop_avoidance.c:2540:2: error: #error "broken on purpose"',
    'make[4]: *** [scripts/Makefile.build:234: /var/cache/batu/store/.tmp/x.1.2/build/src/net/batman-adv/bridge_loop_avoidance.o] Error 1',
  ].join('\n');
  assert.equal(cellError(log), 'net/batman-adv/bridge_loop_avoidance.c:2540:2: error: #error "broken on purpose"');
  assert.equal(
    cellError('building m failed (exit code 2)\nthis batman-adv has no option NC (CONFIG_BATMAN_ADV_NC)'),
    'this batman-adv has no option NC (CONFIG_BATMAN_ADV_NC)',
  );
  assert.equal(cellError('something else\nmore'), 'something else');
});
