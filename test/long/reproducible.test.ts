// The container image built again from another store, under another umask, with only the
// kernel, guest image and helpers imported: the same store path and the same bytes. Long suite
// (the image's programs are built again: ~3 minutes); the default suite checks a recipe's
// reproducibility with the smaller example (store.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { computeManifest, exportClosure, importClosure, realise, silentReporter } from '../../lib/derivations/index.ts';
import { runnerHelpers } from '../../lib/runner/index.ts';
import { simHelpers } from '../../lib/sim/helpers.ts';
import { ociImage } from '../../recipes/oci-image.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

/** The image, realised in the suite's store (its kernel and image are the suite's). */
const image = async () => {
  await guestPaths();
  return (await realise(await ociImage())).path;
};

test(
  'the same image from another store: built again there under another umask (only the kernel, guest image and helpers imported), same path, same bytes',
  { timeout: 1_800_000 },
  async (t) => {
    const dir = await image();
    const { kernel, image: guest } = await guestPaths();
    const helpers = await Promise.all(
      [await runnerHelpers(), ...(await simHelpers())].map(async (d) => (await realise(d)).path),
    );
    const other = await tempDir(t, 'batu-test-other-store-'); // another length: a store path leaking into a file shows
    const stream = new PassThrough();
    const [, imported] = await Promise.all([
      exportClosure([kernel, guest, ...helpers], stream),
      importClosure(stream, { store: other, unsigned: true }),
    ]);
    assert.equal(imported.length, 2 + helpers.length);
    const umask = process.umask(0o077); // a stricter user than the first build's: modes must not leak in
    const again = await realise(await ociImage(), { store: other, report: silentReporter })
      .then((r) => r.path)
      .finally(() => process.umask(umask));
    assert.equal(basename(again), basename(dir), 'the same store path');
    assert.deepEqual(
      await readFile(join(again, 'index.json'), 'utf8'),
      await readFile(join(dir, 'index.json'), 'utf8'),
      'the same manifest digest',
    );
    assert.deepEqual(
      (await computeManifest(again)).entries,
      (await computeManifest(dir)).entries,
      'the same bytes, blob by blob',
    );
  },
);
