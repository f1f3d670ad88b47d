// The soak's derivations: a small graph whose builders take a little while (so kills land
// mid-build) and whose tops reference their dependencies at run time.
import { derivation, type Derivation } from '../lib/derivations/index.ts';

export function soakGraph(): Derivation[] {
  const leaf = (i: number) =>
    derivation({
      name: `soak-leaf-${i}`,
      version: '1',
      env: { i: String(i) },
      builder: 'sleep 0.$((RANDOM % 3 + 1)); mkdir -p "$out"; seq 1 2000 > "$out/data"; echo "$i" > "$out/i"',
    });
  const leaves = [0, 1, 2, 3].map(leaf);
  const mid = (i: number) =>
    derivation({
      name: `soak-mid-${i}`,
      version: '1',
      inputs: { a: leaves[i], b: leaves[(i + 1) % 4] },
      builder:
        'sleep 0.$((RANDOM % 3 + 1)); mkdir -p "$out"; echo "$a $b" > "$out/refs"; cat "$a/data" "$b/data" > "$out/data"',
    });
  const mids = [0, 1, 2].map(mid);
  const top = derivation({
    name: 'soak-top',
    version: '1',
    inputs: { m0: mids[0], m1: mids[1], m2: mids[2] },
    builder: 'sleep 0.2; mkdir -p "$out/sub"; echo "$m0 $m1 $m2" > "$out/refs"; ln -s "$m0/data" "$out/sub/link"',
  });
  return [top, ...mids, ...leaves];
}
