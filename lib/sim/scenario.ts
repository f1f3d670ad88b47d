// Scenarios as data: a topology, a duration and a timeline of actions at given instants.
// Timeline entries are objects, or the same in words:
//   "at 30s cut n2 n3" · "at 60s restore n2 n3" · "at 40s kill n4" · "at 50s start n4"
//   "at 45s ping n1 n5" · "every 10s record" · "at 31s converge"
import { z } from 'zod';
import { NodeName, Topology, generateTopology } from '../mesh/index.ts';

const units: Record<string, number> = { ms: 1e-3, s: 1, m: 60, h: 3600 };

/** "500ms", "30s", "2m", "1h" or a number of seconds → seconds. */
export const Duration = z.union([z.number(), z.string()]).transform((d, ctx) => {
  if (typeof d === 'number' && d >= 0) return d;
  const m = typeof d === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d) : null;
  if (m) return Number(m[1]) * units[m[2]];
  ctx.addIssue({
    code: 'custom',
    message: `expected a duration such as 500ms, 30s, 2m or 1h, not ${JSON.stringify(d)}`,
  });
  return z.NEVER;
});

const pair = z.tuple([NodeName, NodeName]);
const at = { at: Duration };
export const Action = z.union([
  z.strictObject({ ...at, cut: pair }),
  z.strictObject({ ...at, restore: pair }),
  z.strictObject({ ...at, kill: NodeName }),
  z.strictObject({ ...at, start: NodeName }),
  z.strictObject({ ...at, ping: pair, count: z.number().int().min(1).max(100).default(3) }),
  /** Every node's originator table, every `every` from `at` (default: `every`) to the end. */
  z.strictObject({
    at: Duration.optional(),
    every: Duration.refine((s) => s > 0, 'must be positive'),
    record: z.literal('originators'),
  }),
  /**
   * Observe every `step` until every node has a route to every other, none of them over a
   * cut link; logs how long that took.
   */
  z.strictObject({ ...at, converge: z.literal(true), step: Duration.default(1), within: Duration.default(120) }),
]);
export type Action = z.infer<typeof Action>;

/** The issue's words for an action → its object form. */
export function parseWords(text: string): unknown {
  const w = text.trim().split(/\s+/);
  const when = w[0] === 'at' ? { at: w[1] } : w[0] === 'every' ? { every: w[1] } : undefined;
  const [verb, ...args] = w.slice(2);
  if (!when) return text;
  if (w[0] === 'every' && verb === 'record') return { ...when, record: 'originators' };
  if (verb === 'cut' || verb === 'restore' || verb === 'ping')
    return { ...when, [verb]: args.filter((a) => a !== '→' && a !== '->') };
  if (verb === 'kill' || verb === 'start') return { ...when, [verb]: args[0] };
  if (verb === 'converge') return { ...when, converge: true };
  return text;
}

export const Scenario = z
  .strictObject({
    /** A topology, or a generator's spec ("grid,4x5"). */
    topology: z.preprocess((t) => (typeof t === 'string' ? generateTopology(t).topology : t), Topology),
    duration: Duration,
    timeline: z.array(z.preprocess((a) => (typeof a === 'string' ? parseWords(a) : a), Action)).default([]),
  })
  .superRefine((s, ctx) => {
    const names = new Set(s.topology.nodes.map((n) => n.name));
    s.timeline.forEach((a, i) => {
      const named =
        'cut' in a
          ? a.cut
          : 'restore' in a
            ? a.restore
            : 'ping' in a
              ? a.ping
              : 'kill' in a
                ? [a.kill]
                : 'start' in a
                  ? [a.start]
                  : [];
      for (const n of named)
        if (!names.has(n)) ctx.addIssue({ code: 'custom', path: ['timeline', i], message: `there is no node ${n}` });
      if (('cut' in a || 'restore' in a) && !s.topology.links.some((l) => named.every((n) => l.nodes.includes(n))))
        ctx.addIssue({ code: 'custom', path: ['timeline', i], message: `there is no link ${named.join('-')}` });
      if (a.at !== undefined && a.at > s.duration)
        ctx.addIssue({
          code: 'custom',
          path: ['timeline', i],
          message: `at ${a.at}s is after the end (${s.duration}s)`,
        });
    });
  });
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;

export interface Step {
  /** Seconds from the start. */
  at: number;
  action: Action;
}

/** Actions that change the mesh: at one instant they come before the observations. */
const changes = (a: Action) => 'cut' in a || 'restore' in a || 'kill' in a || 'start' in a;

/**
 * The timeline as instants in order (an `every` expanded). At one instant the changes
 * (cut, restore, kill, start) come first, then the observations, each in written order:
 * an observation takes simulated time to answer, and a change must not wait for it.
 */
export function schedule(s: Scenario): Step[] {
  const steps = s.timeline.flatMap((action, order) => {
    if ('every' in action) {
      const out: { at: number; order: number; action: Action }[] = [];
      for (let t = action.at ?? action.every; t <= s.duration + 1e-9; t += action.every)
        out.push({ at: Math.round(t * 1000) / 1000, order, action });
      return out;
    }
    return [{ at: action.at, order, action }];
  });
  const rank = (a: Action) => (changes(a) ? 0 : 1);
  return steps
    .sort((a, b) => a.at - b.at || rank(a.action) - rank(b.action) || a.order - b.order)
    .map(({ at, action }) => ({ at, action }));
}
