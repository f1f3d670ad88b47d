// What a kernel's checkers said: KASAN, UBSAN, lockdep (and sleeping in atomic context),
// kmemleak, WARN_ON, BUG and panics, found in a node's console text (or in kmemleak's file),
// each with its report's lines. The debug kernel (recipes/linux/debug) makes most of them; a
// WARNING or BUG of any kernel is a finding too.

export type FindingKind = 'KASAN' | 'UBSAN' | 'lockdep' | 'kmemleak' | 'warning' | 'bug' | 'panic';

export interface Finding {
  kind: FindingKind;
  /** The report's first line, e.g. `BUG: KASAN: double-free in batadv_orig_node_new+0x2c/0x4d0`. */
  title: string;
  /** The first function of a kmemleak backtrace that is not the allocator's own (where it was allocated). */
  where?: string;
  /** The report's lines, the title first (at most maxLines). */
  lines: string[];
}

const maxLines = 60;

/** How each report starts, most specific first. */
const starts: [RegExp, FindingKind][] = [
  [/^BUG: KASAN: /, 'KASAN'],
  [/^UBSAN: /, 'UBSAN'],
  [/^BUG: sleeping function called from invalid context/, 'lockdep'],
  [
    /^(WARNING|BUG|INFO): .*\b(locking|lock state|lock order|lock inversion|unlock balance|held lock|lock held|nested lock|RCU|lockdep)\b/i,
    'lockdep',
  ],
  [/^unreferenced object 0x[0-9a-f]+/, 'kmemleak'],
  [/^WARNING: /, 'warning'],
  [/^(BUG: |Oops|general protection fault)/, 'bug'],
  [/^Kernel panic - not syncing/, 'panic'],
];

/** Where a report ends (its last line included): KASAN's and UBSAN's rule, a WARN's end of trace. */
const ends = /^(=+|-+\[ end trace( [0-9a-f]+)? \]-+)$/;

/** A console line without printk's time stamp and the trailing CR of a console. */
const bare = (line: string) => line.replace(/\r$/, '').replace(/^\[\s*\d+\.\d+\]\s?/, '');

// The allocator's frames, and kmemleak's own that record the trace (UML's save_stack_trace…).
const allocator =
  /^(kmemleak_|__?kmalloc|kmalloc|kmem_cache_alloc|__?kmem_cache|slab_|kmemdup|kzalloc|krealloc|kvmalloc|__kasan|kasan_|__alloc|alloc_pages|__vmalloc|vmalloc|__do_kmalloc|save_stack_trace|stack_trace_save|set_track_prepare|__?create_object)/;

/** kmemleak's "where": the first frame of its backtrace past the allocator. */
function allocatedIn(lines: string[]): string | undefined {
  for (const line of lines) {
    const frame = /\] (\w[\w.]*)\+0x/.exec(line)?.[1] ?? /^\s*(\w[\w.]*)\+0x[0-9a-f]+\/0x/.exec(line)?.[1];
    if (frame && !allocator.test(frame)) return frame;
  }
  return undefined;
}

/** Every report in a console text (or kmemleak's file), in order. */
export function findingsIn(text: string): Finding[] {
  const found: Finding[] = [];
  let open: Finding | undefined;
  for (const raw of text.split('\n')) {
    const line = bare(raw);
    const kind = starts.find(([start]) => start.test(line))?.[1];
    if (kind) {
      open = { kind, title: line.trim().replace(/:$/, ''), lines: [line] };
      found.push(open);
      continue;
    }
    if (!open) continue;
    if (open.lines.length < maxLines) open.lines.push(line);
    if (ends.test(line.trim())) open = undefined;
  }
  for (const f of found) if (f.kind === 'kmemleak') f.where = allocatedIn(f.lines);
  return found;
}

/** One line per finding, as a report prints it. */
export const describeFinding = (f: Finding) => `${f.kind}: ${f.title}${f.where ? ` (allocated in ${f.where})` : ''}`;
