// Scenarios as data (lib/sim): durations, timeline words, validation, the schedule, the
// link model and batctl ping's summary. The simulation itself is test/integration/sim.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duration, Scenario, linkModel, parsePing, parseWords, schedule } from '../../lib/sim/index.ts';

const issues = (input: unknown) => {
  const r = Scenario.safeParse(input);
  assert.equal(r.success, false, `expected ${JSON.stringify(input)} to be refused`);
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
};

test('durations: units and plain seconds; anything else names the forms', () => {
  assert.deepEqual(
    ['500ms', '30s', '2m', '1h', '1.5s', 7].map((d) => Duration.parse(d)),
    [0.5, 30, 120, 3600, 1.5, 7],
  );
  for (const bad of ['30', '5 s', '1d', '-1s', 's', -3])
    assert.equal(Duration.safeParse(bad).success, false, String(bad));
  assert.match(Duration.safeParse('1d').error!.issues[0].message, /500ms, 30s, 2m or 1h/);
});

test("the issue's words parse to the same actions as the objects", () => {
  const words = Scenario.parse({
    topology: 'line,5',
    duration: '90s',
    timeline: [
      'at 30s cut n2 n3',
      'at 60s restore n2 n3',
      'every 10s record',
      'at 45s ping n1 → n5',
      'at 50s kill n4',
      'at 55s start n4',
      'at 61s converge',
    ],
  });
  const objects = Scenario.parse({
    topology: 'line,5',
    duration: 90,
    timeline: [
      { at: 30, cut: ['n2', 'n3'] },
      { at: '1m', restore: ['n2', 'n3'] },
      { every: '10s', record: 'originators' },
      { at: 45, ping: ['n1', 'n5'] },
      { at: 50, kill: 'n4' },
      { at: 55, start: 'n4' },
      { at: 61, converge: true },
    ],
  });
  assert.deepEqual(words, objects);
  assert.equal(words.topology.nodes.length, 5);
  assert.deepEqual(parseWords('at 3s dance n1'), 'at 3s dance n1'); // left for the schema to refuse
});

test('bad scenarios are refused naming the bad value', () => {
  const base = { topology: 'line,3', duration: '60s' };
  assert.match(issues({ ...base, timeline: ['at 10s cut n1 n9'] }), /timeline\.0: there is no node n9/);
  assert.match(issues({ ...base, timeline: ['at 10s cut n1 n3'] }), /timeline\.0: there is no link n1-n3/);
  assert.match(issues({ ...base, timeline: ['at 90s kill n2'] }), /timeline\.0: at 90s is after the end \(60s\)/);
  assert.match(issues({ ...base, timeline: ['at 3s dance n1'] }), /timeline\.0/);
  assert.match(issues({ ...base, timeline: [{ every: 0, record: 'originators' }] }), /must be positive/);
  assert.match(issues({ ...base, duration: 'soon' }), /duration: expected a duration/);
  assert.throws(() => Scenario.parse({ ...base, topology: 'lime,3' }), /bad topology "lime,3"/);
});

test('the schedule: every expanded to the end, equal instants in written order', () => {
  const s = Scenario.parse({
    topology: 'line,3',
    duration: '30s',
    timeline: ['at 20s cut n2 n3', 'every 10s record', 'at 10s ping n1 n3'],
  });
  assert.deepEqual(
    schedule(s).map((x) => `${x.at} ${Object.keys(x.action).filter((k) => k !== 'at')[0]}`),
    ['10 every', '10 ping', '20 cut', '20 every', '30 every'],
  );
});

test('link properties become the calendar model: ns, parts per million, bit/s', () => {
  assert.deepEqual(linkModel({ delayMs: 12.5, jitterMs: 2, lossPercent: 1.5, rateMbit: 10 }), {
    delayNs: 12_500_000n,
    jitterNs: 2_000_000n,
    lossPpm: 15_000,
    rateBps: 10_000_000n,
  });
  assert.deepEqual(linkModel({}), { delayNs: 0n, jitterNs: 0n, lossPpm: 0, rateBps: 0n });
});

test("batctl ping's summary", () => {
  const out = `PING 02:ba:00:05:02:00 (02:ba:00:05:02:00) 20(48) bytes of data
20 bytes from 02:ba:00:05:02:00 icmp_seq=1 ttl=47 time=41.00 ms
20 bytes from 02:ba:00:05:02:00 icmp_seq=3 ttl=47 time=40.99 ms
--- 02:ba:00:05:02:00 ping statistics ---
3 packets transmitted, 2 received, 33% packet loss
rtt min/avg/max/mdev = 40.990/40.995/41.000/0.005 ms`;
  assert.deepEqual(parsePing(out), { sent: 3, received: 2, rttMs: [41, 40.99] });
  assert.deepEqual(parsePing('Error - no route'), { sent: 0, received: 0, rttMs: [] });
});
