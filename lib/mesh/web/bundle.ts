// The page's script: d3-force and page.ts in one file. The package build writes it
// (page.bundle.js, scripts/build-package.ts); a checkout, where page.ts is, bundles it afresh
// with esbuild, so the page never runs a stale build.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('./page.ts', import.meta.url));
export const bundleFile = fileURLToPath(new URL('./page.bundle.js', import.meta.url));

/** page.ts and what it imports, as one minified script for the browser. */
export async function bundlePage(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [source],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'inline',
  });
  return result.outputFiles[0].text;
}

export const pageScript = (): Promise<string> => (existsSync(source) ? bundlePage() : readFile(bundleFile, 'utf8'));
