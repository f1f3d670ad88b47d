// `batu mesh report` (and the end of `sim run`): what every node's kernel checkers found —
// KASAN, UBSAN, lockdep, WARN/BUG/panic from its console, and on debug kernels a kmemleak
// scan made now through the node's service. A report with findings fails (exit 1).
import {
  describeFinding,
  findingsIn,
  guestCommand,
  kernelOffers,
  type Finding,
  type UmlNode,
} from '../runner/index.ts';

export interface NodeReport {
  node: string;
  /** Booted a debug kernel (recipes/linux/debug): KASAN, UBSAN, lockdep and kmemleak were on. */
  debug: boolean;
  findings: Finding[];
  /** Why kmemleak could not be read (a debug kernel whose service did not answer). */
  kmemleakError?: string;
}

export interface MeshReport {
  nodes: NodeReport[];
  /** Findings in all. */
  findings: number;
}

/** kmemleak's findings on a debug kernel, scanned now. */
async function leaksOf(node: UmlNode): Promise<{ leaks: Finding[]; error?: string }> {
  const out = await guestCommand(node, 'kmemleak', []).catch((e: Error) => `batu batctl service: ${e.message}`);
  if (out.startsWith('batu batctl service:')) return { leaks: [], error: out.trim() };
  return { leaks: findingsIn(out) };
}

/**
 * Report on every node. `during` runs the guest requests (a simulated mesh advances its clock
 * while they wait); nodes are asked one after another, in name order, so a seed's report is too.
 */
export async function meshReport(
  nodes: Map<string, UmlNode>,
  during: <T>(work: Promise<T>) => Promise<T> = (work) => work,
): Promise<MeshReport> {
  const reports: NodeReport[] = [];
  for (const [name, node] of [...nodes].sort(([a], [b]) => a.localeCompare(b))) {
    const debug = node.spec.kernel ? await kernelOffers(node.spec.kernel, 'debug') : false;
    const { leaks, error } = debug ? await during(leaksOf(node)) : { leaks: [] };
    reports.push({
      node: name,
      debug,
      findings: [...findingsIn(node.consoleText), ...leaks],
      ...(error ? { kmemleakError: error } : {}),
    });
  }
  return { nodes: reports, findings: reports.reduce((n, r) => n + r.findings.length, 0) };
}

/**
 * A line worth showing in the text: not blank, not UML's raw stack words, not a frame its
 * unwinder only guessed (`? name+0x…`).
 */
const telling = (line: string) =>
  line.trim() !== '' && !/^\s*(Stack:|([0-9a-f]{8}\s*){2,}$)/.test(line) && !/\] \? /.test(line);

/** The report as text: per node its findings with their first telling lines, then the count. */
export function describeReport(report: MeshReport, { lines = 12 } = {}): string {
  const out: string[] = [];
  for (const r of report.nodes) {
    const kernel = r.debug ? 'debug kernel' : 'not a debug kernel: console only';
    out.push(`${r.node} (${kernel}): ${r.findings.length ? `${r.findings.length} finding(s)` : 'clean'}`);
    if (r.kmemleakError) out.push(`  kmemleak not read: ${r.kmemleakError}`);
    for (const f of r.findings) {
      out.push(`  ${describeFinding(f)}`);
      for (const line of f.lines
        .slice(1)
        .filter(telling)
        .slice(0, lines - 1))
        out.push(`    ${line}`);
    }
  }
  const debugNodes = report.nodes.filter((r) => r.debug).length;
  out.push(
    `${report.findings} finding(s) on ${report.nodes.length} node(s)` +
      (debugNodes < report.nodes.length
        ? ` (${report.nodes.length - debugNodes} without a debug kernel: mesh up --debug)`
        : ''),
  );
  return out.join('\n');
}
