// Edit → rebuild → rerun: a source tree followed while its mesh runs. When files change (and
// then stay quiet a moment), the caller's rebuild makes a new kernel and image; if they differ
// from what the nodes run (a tree is hashed by content: a touch or a .git change builds
// nothing new), the nodes reboot on them. A failed build is reported; the nodes keep the last good one.
import { watch } from 'node:fs';
import type { Reporter } from '../derivations/index.ts';
import type { Mesh } from './mesh.ts';

export interface Build {
  kernel: string;
  image: string;
}

export interface WatchOptions {
  mesh: Mesh;
  /** The nodes that run the tree's build. */
  names: string[];
  /** What the nodes run now. */
  current: Build;
  rebuild(): Promise<Build>;
  report?: Reporter;
  signal?: AbortSignal;
  /** Quiet time after the last change before a rebuild (an editor writes several files). */
  quietMs?: number;
  /** After each rebuild: what came of it (for a benchmark or test). */
  onRebuilt?(result: { build?: Build; rebooted: boolean; error?: Error; seconds: number }): void;
}

/** Follow `dir` until `signal` aborts; resolves then. */
export async function watchTree(dir: string, options: WatchOptions): Promise<void> {
  const { mesh, names, report = () => {}, signal, quietMs = 300 } = options;
  let current = options.current;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let pending = false;
  const cycle = async () => {
    const started = Date.now();
    const seconds = () => (Date.now() - started) / 1000;
    try {
      report(`${dir} changed: rebuilding`);
      const build = await options.rebuild();
      const changed = build.kernel !== current.kernel || build.image !== current.image;
      if (changed && !signal?.aborted) {
        report(`rebooting ${names.join(', ')} on the new build`);
        await mesh.rebootWith(names, build);
        current = build;
      }
      report(
        changed ? `nodes run the new build (${seconds().toFixed(1)} s)` : 'nothing changed in the source: nodes kept',
      );
      options.onRebuilt?.({ build, rebooted: changed, seconds: seconds() });
    } catch (error) {
      report(`rebuild failed, nodes keep the last good build: ${(error as Error).message}`);
      options.onRebuilt?.({ rebooted: false, error: error as Error, seconds: seconds() });
    }
  };
  // One rebuild at a time; changes during one start another after it.
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (pending) return;
      pending = true;
      running = running.then(async () => {
        pending = false;
        await cycle();
      });
    }, quietMs);
  };
  const watcher = watch(dir, { recursive: true }, schedule);
  // E.g. the host's inotify watches run out: say so; the mesh runs on, unwatched.
  watcher.on('error', (error) => report(`stopped watching ${dir}: ${error.message}`));
  await new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  watcher.close();
  clearTimeout(timer);
  await running;
}
