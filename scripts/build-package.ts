// The package build (`npm run build`, run by `npm pack`): JavaScript and declarations beside
// each source, for plain `node` and for TypeScript users of the installed package.
//  - stale output first: a .js whose source was deleted must not ship;
//  - declarations name their imports `.js`: tsc keeps `.ts` there, and the package ships no .ts;
//  - the initramfs builder's identity hashes its .ts sources: their digest ships instead;
//  - mesh web's page script ships bundled (lib/mesh/web/page.bundle.js).
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { sourcesDigest } from '../lib/rootfs/builtin.ts';
import { bundleFile, bundlePage } from '../lib/mesh/web/bundle.ts';

const root = new URL('..', import.meta.url).pathname;
const dirs = ['lib', 'recipes', 'bin'];
const handwritten = new Set(['lib/rootfs/cpio-stream.d.ts']);

async function outputs(): Promise<string[]> {
  const all = await Promise.all(dirs.map((d) => readdir(join(root, d), { recursive: true })));
  return all
    .flatMap((files, i) => files.map((f) => join(dirs[i], f)))
    .filter((f) => /\.(js|d\.ts)$/.test(f) && !handwritten.has(f));
}

for (const f of await outputs()) await rm(join(root, f));
await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const declarations = (await outputs()).filter((f) => f.endsWith('.d.ts'));
for (const f of declarations) {
  const text = await readFile(join(root, f), 'utf8');
  await writeFile(join(root, f), text.replace(/((?:from |import\(|import )['"]\.{1,2}\/[^'"]*)\.ts(['"])/g, '$1.js$2'));
}
await writeFile(join(root, 'lib/rootfs/sources.sha256'), `${sourcesDigest()}\n`);
// mesh web's page script: bundled with d3-force, as the installed package has no page.ts to bundle.
await writeFile(bundleFile, await bundlePage());
console.log(`built ${(await outputs()).length - declarations.length} modules and ${declarations.length} declarations`);
