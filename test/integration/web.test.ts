// mesh web against a running 3×3 grid, driven by a real browser (Debian's chromium, headless,
// through playwright-core): every node drawn by name, one edge per link, a click cuts a link and
// `mesh status` agrees, a click on a node lists its originators; the exports and /metrics of the
// same mesh checked field by field and against batctl on each node; a scenario's page in
// simulated time, its clock advancing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { grid, meshDown, meshRequest, runMesh } from '../../lib/mesh/index.ts';
import { Scenario, runScenario } from '../../lib/sim/index.ts';
import { eventually, guestPaths } from '../fixtures/guest-helpers.ts';
import { checkMeshviewer, checkNetJson, parseMetrics } from '../fixtures/export-checks.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshot is kept (CI keeps the directory). */
const artifacts = process.env.BATU_TEST_ARTIFACTS ?? join(process.cwd(), 'test-artifacts');

/** A mesh served under `name` with its page, as `batu mesh up --web 127.0.0.1:0` runs it. */
async function servedGrid(t: { after(fn: () => Promise<void>): void }, name: string) {
  let url!: string;
  let upResolve!: () => void;
  const up = new Promise<void>((resolve) => (upResolve = resolve));
  const running = runMesh(
    { ...grid(3, 3), origInterval: 200 },
    {
      ...(await guestPaths()),
      name,
      web: { host: '127.0.0.1', port: 0 },
      onWeb: (u) => (url = u),
      onUp: () => upResolve(),
    },
  );
  await Promise.race([up, running]);
  t.after(async () => {
    await meshDown(name).catch(() => {});
    await running;
  });
  assert.ok(url, 'the page is served');
  return url;
}

async function browser(t: { after(fn: () => Promise<void>): void }): Promise<Browser> {
  const b = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => b.close());
  return b;
}

test("the live page draws the grid by name, cuts a link on a click (mesh status agrees), lists a node's originators; the exports; foreign requests refused", async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`no ${CHROMIUM} (scripts/setup.sh installs Debian's chromium)`);
  const name = 'btweb';
  const url = await servedGrid(t, name);
  const page = await (await browser(t)).newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(url);
  await page.waitForFunction(() => document.querySelectorAll('g.node').length === 9, undefined, { timeout: 15_000 });
  const drawn = await page.$$eval('g.node text.name', (els) => els.map((e) => e.textContent).sort());
  assert.deepEqual(drawn, ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9']);
  assert.equal(await page.locator('g.link').count(), 12, 'one edge per link of the 3×3 grid');
  // Every link measured from both ends (the page colours halves by it).
  await page.waitForFunction(
    () => [...document.querySelectorAll('g.link text')].every((e) => /^\d+ \/ \d+$/.test(e.textContent ?? '')),
    undefined,
    { timeout: 20_000 },
  );

  // A click on the link n1–n2 cuts it: drawn as cut, and batman-adv on n1 stops hearing n2.
  const link = page.locator('g.link[data-a="n1"][data-b="n2"]');
  // Bounded by a read of the mesh in flight (~0.5 s for 9 nodes here), the cut and one more read.
  const answered = page.waitForResponse((r) => r.url().endsWith('/api'));
  await link.locator('line.hit').click();
  await answered;
  const t0 = Date.now();
  await page
    .waitForSelector('g.link[data-a="n1"][data-b="n2"][data-cut="true"]', { state: 'attached', timeout: 5_000 })
    .catch(async (e: Error) => {
      throw new Error(`${e.message}\npage says: ${await page.locator('#problem').textContent()}`);
    });
  t.diagnostic(`the cut was drawn ${Date.now() - t0} ms after the page's request was answered`);
  await eventually(
    'mesh status: n1 no longer has n2 as a neighbour',
    async () => {
      const status = await meshRequest(name, { op: 'status' });
      return !status.views.find((v) => v.name === 'n1')!.neighbours.includes('n2');
    },
    10_000,
  );
  const snapshot = await meshRequest(name, { op: 'snapshot' });
  assert.equal(snapshot.links.find((l) => l.nodes.join('-') === 'n1-n2')?.cut, true);

  // A click on n5 lists its originators: every other node, as its batctl says.
  await page.locator('g.node[data-name="n5"] circle').click();
  await page
    .waitForFunction(
      () => document.querySelectorAll('#originators tr').length === 9, // a header and 8 rows
      undefined,
      { timeout: 20_000 },
    )
    .catch(async (e: Error) => {
      throw new Error(`${e.message}\nthe panel says: ${await page.locator('#details').textContent()}`);
    });
  const listed = await page.$$eval('#originators tr td:first-child', (els) => els.map((e) => e.textContent).sort());
  assert.deepEqual(listed, ['n1', 'n2', 'n3', 'n4', 'n6', 'n7', 'n8', 'n9']);
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'mesh-web-grid.png') });

  // Restored by a second click.
  await link.locator('line.hit').click();
  await page.waitForSelector('g.link[data-a="n1"][data-b="n2"][data-cut="false"]', {
    state: 'attached',
    timeout: 20_000,
  });

  // The same server's files: meshviewer.json and netjson.json well formed, /metrics agreeing with batctl o.
  const get = async (path: string) => {
    const response = await fetch(new URL(path, url));
    assert.equal(response.status, 200, path);
    assert.equal(
      response.headers.get('access-control-allow-origin'),
      '*',
      `${path}: a meshviewer elsewhere may read it`,
    );
    return response.text();
  };
  const mv = checkMeshviewer(JSON.parse(await get('/meshviewer.json')));
  assert.equal(mv.nodes.length, 9);
  assert.ok(mv.nodes.every((n) => n.is_online));
  checkNetJson(JSON.parse(await get('/netjson.json')));
  const metrics = parseMetrics(await get('/metrics'));
  const names = (await meshRequest(name, { op: 'snapshot' })).nodes.map((n) => n.name);
  for (const node of names) {
    const origs = await meshRequest(name, { op: 'exec', node, program: 'batctl', args: ['o', '-H'] });
    const counted = metrics.get('batu_mesh_originators')!.find((s) => s.labels.node === node)!.value;
    const seen = new Set(origs.split('\n').flatMap((l) => /([0-9a-f]{2}(:[0-9a-f]{2}){5})/.exec(l)?.[1] ?? []));
    // The scrape and batctl a moment apart: a purged originator could differ by one, a grid's do not.
    assert.equal(counted, seen.size, `${node}: /metrics says ${counted} originators, batctl o lists ${seen.size}`);
  }

  // What is not the page's own request is refused: another origin, a bad body, an unknown link or path.
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(new URL('/api', url), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const foreign = await post(JSON.stringify({ op: 'cut', a: 'n1', b: 'n2' }), { origin: 'http://example.invalid' });
  assert.equal(foreign.status, 403);
  const bad = await post(JSON.stringify({ op: 'down' }));
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /op/);
  const unknown = await post(JSON.stringify({ op: 'cut', a: 'n1', b: 'n9' }));
  assert.equal(unknown.status, 409);
  assert.match(((await unknown.json()) as { error: string }).error, /no link n1-n9/);
  assert.equal((await fetch(new URL('/nothing', url))).status, 404);
  // A name made to point at 127.0.0.1 (DNS rebinding) is not this page's host.
  const rebound = await new Promise<number>((resolve, reject) => {
    const body = JSON.stringify({ op: 'cut', a: 'n1', b: 'n2' });
    const r = httpRequest(
      new URL('/api', url),
      { method: 'POST', headers: { host: `evil.example:${new URL(url).port}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
  assert.equal(rebound, 403);
  const after = await meshRequest(name, { op: 'snapshot', routes: true });
  assert.ok(
    after.links.every((l) => !l.cut),
    'nothing was cut by them',
  );
});

test("the page of a scenario in simulated time shows the simulated clock advancing and the timeline's routes", async (t) => {
  if (!existsSync(CHROMIUM)) return t.skip(`no ${CHROMIUM} (scripts/setup.sh installs Debian's chromium)`);
  let opened!: (url: string) => void;
  const served = new Promise<string>((resolve) => (opened = resolve));
  const scenario = Scenario.parse({ topology: 'line,3', duration: '900s', timeline: ['every 20s record'] });
  const run = runScenario(scenario, {
    ...(await guestPaths()),
    seed: 1,
    log: () => {},
    web: { host: '127.0.0.1', port: 0 },
    onWeb: opened,
  });
  const url = await Promise.race([served, run.then(() => assert.fail('the run ended before its page was served'))]);
  const page = await (await browser(t)).newPage();
  await page.goto(url);
  const clock = async () => Number(await page.locator('#clock').getAttribute('data-simulated'));
  await page.waitForFunction(() => Number(document.getElementById('clock')?.dataset.simulated) > 0, undefined, {
    timeout: 20_000,
  });
  const first = await clock();
  await page.waitForFunction((t0) => Number(document.getElementById('clock')?.dataset.simulated) > t0 + 20, first, {
    timeout: 30_000,
  });
  assert.match((await page.locator('#clock').textContent()) ?? '', /^simulated time \d+\.\d s$/);
  // The routes the timeline recorded: both links measured from both ends.
  await page.waitForFunction(
    () => [...document.querySelectorAll('g.link text')].every((e) => /^\d+ \/ \d+$/.test(e.textContent ?? '')),
    undefined,
    { timeout: 30_000 },
  );
  // Its clicks are refused: the timeline drives this mesh.
  const refused = await fetch(new URL('/api', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ op: 'cut', a: 'n1', b: 'n2' }),
  });
  assert.equal(refused.status, 409);
  assert.match(((await refused.json()) as { error: string }).error, /timeline/);
  const log = await run;
  assert.equal(log.at(-1)?.event, 'end');
});
