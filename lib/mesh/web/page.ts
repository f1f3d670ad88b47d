/// <reference lib="dom" />
// The live page (bundled with d3-force by bundle.ts): every node by name, every link as two
// halves coloured and sized by what each end measures of the other, cut links dashed. Server-sent
// events bring a new view each observe interval; clicks post the CLI's requests to /api.
// d3-force lays the graph out (topologies without positions); SVG keeps every node and link
// an element of its own, which the browser test counts and clicks.
import { forceCenter, forceLink, forceManyBody, forceSimulation, type SimulationNodeDatum } from 'd3-force';
import type { PageView } from './server.ts';

type View = PageView;
type NodeInfo = View['nodes'][number];
type LinkInfo = View['links'][number];
interface Dot extends SimulationNodeDatum {
  name: string;
}
interface Edge {
  source: Dot;
  target: Dot;
  key: string;
}

const SVG = 'http://www.w3.org/2000/svg';
const svg = document.getElementById('graph') as unknown as SVGSVGElement;
const linkLayer = document.createElementNS(SVG, 'g');
const nodeLayer = document.createElementNS(SVG, 'g');
svg.append(linkLayer, nodeLayer);
const $ = (id: string) => document.getElementById(id)!;

let view: View | undefined;
let selected: string | undefined;
const dots = new Map<string, Dot>();
const nodeEls = new Map<string, SVGGElement>();
const linkEls = new Map<string, SVGGElement>();
const simulation = forceSimulation<Dot>([])
  .force('charge', forceManyBody().strength(-600))
  .force('link', forceLink<Dot, Edge>([]).distance(130))
  .on('tick', draw);

const linkKey = (l: LinkInfo) => `${l.index}:${l.nodes[0]}-${l.nodes[1]}`;

/** TQ 0–255 from red to green (BATMAN_V: green while heard). */
function colour(metric: number | null, algorithm: string): string {
  if (metric === null) return '#d1d5db';
  const q = algorithm === 'BATMAN_IV' ? Math.min(metric / 255, 1) : 1;
  return `hsl(${Math.round(q * 120)}, 70%, 42%)`;
}
const width = (metric: number | null, algorithm: string) =>
  metric === null ? 1 : algorithm === 'BATMAN_IV' ? 1 + (metric / 255) * 5 : 4;

function element<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string> = {}) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

async function post(body: object): Promise<void> {
  const response = await fetch('/api', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const reply = (await response.json()) as { ok: boolean; error?: string };
  $('problem').textContent = reply.ok ? '' : reply.error!;
}

function placeFixed(nodes: NodeInfo[]) {
  // Positions from the topology (x/y, else lat/lon) scaled into the drawing.
  const at = nodes.map((n) =>
    n.position ? [n.position.x, n.position.y] : n.location ? [n.location.longitude, -n.location.latitude] : undefined,
  );
  const known = at.filter((p): p is number[] => p !== undefined);
  if (known.length < nodes.length) return false;
  const [xs, ys] = [known.map((p) => p[0]), known.map((p) => p[1])];
  const box = svg.getBoundingClientRect();
  const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) || 1;
  const scale = (Math.min(box.width, box.height) - 120) / span;
  nodes.forEach((n, i) => {
    const dot = dots.get(n.name)!;
    dot.fx = 60 + (at[i]![0] - Math.min(...xs)) * scale;
    dot.fy = 60 + (at[i]![1] - Math.min(...ys)) * scale;
  });
  return true;
}

function update(next: View) {
  const structureChanged = !view || view.nodes.length !== next.nodes.length || view.links.length !== next.links.length;
  view = next;
  $('title').textContent = `batu mesh ${next.name}`;
  $('clock').textContent =
    next.simulatedSeconds !== undefined
      ? `simulated time ${next.simulatedSeconds.toFixed(1)} s`
      : new Date(next.timestamp).toLocaleTimeString();
  $('clock').dataset.simulated = String(next.simulatedSeconds ?? '');
  const running = next.nodes.filter((n) => n.running).length;
  const cut = next.links.filter((l) => l.cut).length;
  $('summary').textContent =
    `${running}/${next.nodes.length} nodes running · ${next.links.length} links${cut ? ` (${cut} cut)` : ''} · ${next.algorithm}`;

  if (structureChanged) {
    const box = svg.getBoundingClientRect();
    for (const n of next.nodes)
      if (!dots.has(n.name)) dots.set(n.name, { name: n.name, x: box.width / 2 + Math.random(), y: box.height / 2 });
    const fixed = placeFixed(next.nodes);
    simulation.nodes([...dots.values()]);
    const edges: Edge[] = next.links.map((l) => ({
      source: dots.get(l.nodes[0])!,
      target: dots.get(l.nodes[1])!,
      key: linkKey(l),
    }));
    simulation.force<ReturnType<typeof forceLink<Dot, Edge>>>('link')!.links(edges);
    simulation.force('center', fixed ? null : forceCenter(box.width / 2, box.height / 2));
    simulation.alpha(1).restart();
  }
  for (const l of next.links) linkElement(l);
  for (const n of next.nodes) nodeElement(n);
  draw();
  if (selected) showNode(selected);
}

function linkElement(l: LinkInfo) {
  const key = linkKey(l);
  let g = linkEls.get(key);
  if (!g) {
    g = element('g', { class: 'link', 'data-a': l.nodes[0], 'data-b': l.nodes[1] });
    const hit = element('line', { class: 'hit' });
    const title = element('title');
    hit.append(title);
    g.append(element('line', { class: 'half a' }), element('line', { class: 'half b' }), hit, element('text'));
    hit.addEventListener('click', () => {
      const current = view?.links.find((x) => linkKey(x) === key);
      if (current) void post({ op: current.cut ? 'restore' : 'cut', a: current.nodes[0], b: current.nodes[1] });
    });
    linkLayer.append(g);
    linkEls.set(key, g);
  }
  g.dataset.cut = String(l.cut);
  const algorithm = view!.algorithm;
  l.metric.forEach((m, side) => {
    const half = g!.querySelector(side === 0 ? '.half.a' : '.half.b')!;
    half.setAttribute('stroke', colour(m, algorithm));
    half.setAttribute('stroke-width', String(width(m, algorithm)));
  });
  const shown = (m: number | null) => (m === null ? '–' : String(m));
  g.querySelector('text')!.textContent = l.cut ? 'cut' : `${shown(l.metric[0])} / ${shown(l.metric[1])}`;
  const props = Object.entries(l.properties)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  g.querySelector('title')!.textContent =
    `${l.nodes[0]} – ${l.nodes[1]}: ${l.nodes[0]} measures ${shown(l.metric[0])}, ${l.nodes[1]} measures ${shown(l.metric[1])}` +
    `${props ? ` · ${props}` : ''}${l.cut ? ' · cut (click to restore)' : ' (click to cut)'}`;
}

function nodeElement(n: NodeInfo) {
  let g = nodeEls.get(n.name);
  if (!g) {
    g = element('g', { class: 'node', 'data-name': n.name });
    const name = element('text', { class: 'name', dx: '12', dy: '-2' });
    name.textContent = n.name;
    g.append(element('circle', { r: '9' }), name, element('text', { class: 'sub', dx: '12', dy: '11' }));
    g.addEventListener('click', () => showNode(n.name));
    nodeLayer.append(g);
    nodeEls.set(n.name, g);
  }
  g.dataset.running = String(n.running);
  g.dataset.gateway = n.gatewayMode;
  g.dataset.selected = String(selected === n.name);
  g.querySelector('text.sub')!.textContent = n.running
    ? `${n.originators.length} routes${n.gateway ? ` · gw ${n.gateway}` : ''}`
    : n.error
      ? 'no answer'
      : 'down';
}

function draw() {
  if (!view) return;
  for (const l of view.links) {
    const g = linkEls.get(linkKey(l));
    const [a, b] = [dots.get(l.nodes[0]), dots.get(l.nodes[1])];
    if (!g || !a || !b) continue;
    const [mx, my] = [(a.x! + b.x!) / 2, (a.y! + b.y!) / 2];
    const set = (sel: string, x1: number, y1: number, x2: number, y2: number) => {
      const line = g.querySelector(sel)!;
      line.setAttribute('x1', String(x1));
      line.setAttribute('y1', String(y1));
      line.setAttribute('x2', String(x2));
      line.setAttribute('y2', String(y2));
    };
    set('.half.a', a.x!, a.y!, mx, my);
    set('.half.b', mx, my, b.x!, b.y!);
    set('.hit', a.x!, a.y!, b.x!, b.y!);
    const text = g.querySelector('text')!;
    text.setAttribute('x', String(mx + 4));
    text.setAttribute('y', String(my - 4));
  }
  for (const [name, g] of nodeEls) {
    const d = dots.get(name)!;
    g.setAttribute('transform', `translate(${d.x},${d.y})`);
  }
}

function cell(tr: HTMLTableRowElement, text: string, tag: 'td' | 'th' = 'td') {
  const c = document.createElement(tag);
  c.textContent = text;
  tr.append(c);
}

function table(caption: string, head: string[], rows: string[][], id: string): HTMLElement {
  const wrap = document.createElement('section');
  const h = document.createElement('h3');
  h.textContent = `${caption} (${rows.length})`;
  const t = document.createElement('table');
  t.id = id;
  const hr = t.insertRow();
  for (const x of head) cell(hr, x, 'th');
  for (const r of rows) {
    const tr = t.insertRow();
    for (const x of r) cell(tr, x);
  }
  wrap.append(h, t);
  return wrap;
}

function showNode(name: string) {
  selected = name;
  for (const [n, g] of nodeEls) g.dataset.selected = String(n === name);
  const n = view?.nodes.find((x) => x.name === name);
  if (!n) return;
  const aside = $('details');
  aside.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = n.name;
  const p = document.createElement('p');
  p.textContent = `${n.mac} · ${n.running ? (n.error ? `not answering: ${n.error}` : 'running') : 'down'} · gateway mode ${n.gatewayMode}${n.gateway ? ` · chose ${n.gateway} via ${n.gatewayNexthop ?? '?'}` : ''} · restarts ${n.restarts}`;
  const button = document.createElement('button');
  button.id = n.running ? 'kill' : 'start';
  button.textContent = n.running ? `kill ${n.name}` : `start ${n.name}`;
  button.addEventListener('click', () => void post({ op: n.running ? 'kill' : 'start', node: n.name }));
  aside.append(
    h,
    p,
    button,
    table(
      'neighbours',
      ['name'],
      n.neighbours.map((x) => [x]),
      'neighbours',
    ),
    table(
      'originators',
      ['originator', view!.algorithm === 'BATMAN_IV' ? 'TQ' : 'kbit/s', 'via'],
      n.originators.map((o) => [o.name, String(o.metric), o.via]),
      'originators',
    ),
  );
}

const events = new EventSource('/events');
events.addEventListener('snapshot', (e) => {
  $('problem').textContent = '';
  update(JSON.parse((e as MessageEvent<string>).data) as View);
});
events.addEventListener('problem', (e) => {
  $('problem').textContent = (JSON.parse((e as MessageEvent<string>).data) as { error: string }).error;
});
events.addEventListener('error', () => {
  $('problem').textContent = 'the mesh web server does not answer';
});
