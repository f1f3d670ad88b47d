// npx tsx scripts/pin-debs.ts PACKAGE… : print debPackage pins (candidate version and
// sha256 from the apt lists) to paste into a recipe.
import { execa } from 'execa';

for (const pkg of process.argv.slice(2)) {
  const { stdout } = await execa('apt-cache', ['show', '--no-all-versions', pkg]);
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stdout)?.[1];
  const arch = field('Architecture') === 'all' ? ", arch: 'all'" : '';
  console.log(`  '${pkg}': debPackage({ package: '${pkg}', version: '${field('Version')}'${arch}, sha256: '${field('SHA256')}' }),`);
}
