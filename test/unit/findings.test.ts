import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describeFinding, findingsIn } from '../../lib/runner/index.ts';
import { describeReport, type MeshReport } from '../../lib/mesh/report.ts';

// A real console: the debug kernel's first boot (UBSAN's alignment check on, since turned off,
// and a fault in the vector driver's stats reset that recipes/linux/debug/patches fixes).
const fixture = (name: string) => readFile(new URL(`../fixtures/findings/${name}`, import.meta.url), 'utf8');

test("a debug kernel's console: each UBSAN report with its lines to its end of trace, and the panic", async () => {
  const found = findingsIn(await fixture('debug-boot-console.txt'));
  assert.deepEqual(
    found.map((f) => [f.kind, f.title]),
    [
      ['UBSAN', 'UBSAN: misaligned-access in net/core/dev.c:1803:2'],
      ['UBSAN', 'UBSAN: misaligned-access in net/core/dev.c:1854:2'],
      ['UBSAN', 'UBSAN: misaligned-access in net/netlink/genetlink.c:510:3'],
      ['panic', 'Kernel panic - not syncing: Kernel mode fault at addr 0x30, ip 0x6016aa36'],
    ],
  );
  assert.equal(
    found[0].lines[1],
    "member access within misaligned address (____ptrval____) for type 'struct net_device'",
  );
  assert.equal(found[0].lines.at(-1), '---[ end trace ]---');
  assert.ok(
    !found[0].lines.includes('UBSAN: misaligned-access in net/core/dev.c:1854:2'),
    'a report ends at its end of trace',
  );
  assert.deepEqual(
    findingsIn('Linux version 6.12.117\nbatu-init: ready\nkmemleak: Kernel memory leak detector initialized'),
    [],
  );
});

test("KASAN's double-free and kmemleak's leak: the report to its closing rule; where the leak was allocated", () => {
  const kasan = findingsIn(
    [
      '==================================================================',
      'BUG: KASAN: double-free in batadv_orig_node_new+0x5a1/0x6c0 [batman_adv]',
      'Free of addr 0000000062d4a2c0 by task kworker/u2:1/25',
      'Call Trace:',
      ' [<6a8f1234>] batadv_orig_node_new+0x5a1/0x6c0 [batman_adv]',
      '==================================================================',
      'batu-init: after it',
    ].join('\n'),
  );
  assert.equal(kasan.length, 1);
  assert.equal(kasan[0].kind, 'KASAN');
  assert.equal(kasan[0].title, 'BUG: KASAN: double-free in batadv_orig_node_new+0x5a1/0x6c0 [batman_adv]');
  assert.match(kasan[0].lines.at(-1)!, /^=+$/);

  const leaks = findingsIn(
    [
      'unreferenced object 0x0000000062d4a000 (size 512):',
      '  comm "kworker/u2:1", pid 25, jiffies 4294893512',
      '  backtrace (crc 7d8c3a4b):',
      '    [<000000006041a2b3>] kmemleak_alloc+0x4e/0x90',
      '    [<00000000603f1c2d>] __kmalloc_node_track_caller_noprof+0x2f1/0x3e0',
      '    [<00000000603a9e11>] kmemdup_noprof+0x22/0x50',
      '    [<000000006a8f1234>] batadv_orig_node_new+0x51c/0x6c0 [batman_adv]',
      'unreferenced object 0x0000000062d4a400 (size 512):',
      '    kmemdup_noprof+0x22/0x50',
      '    batadv_orig_node_new+0x51c/0x6c0 [batman_adv]',
    ].join('\n'),
  );
  assert.deepEqual(
    leaks.map((l) => [l.kind, l.title, l.where]),
    [
      ['kmemleak', 'unreferenced object 0x0000000062d4a000 (size 512)', 'batadv_orig_node_new'],
      ['kmemleak', 'unreferenced object 0x0000000062d4a400 (size 512)', 'batadv_orig_node_new'],
    ],
  );
  assert.equal(
    describeFinding(leaks[0]),
    'kmemleak: unreferenced object 0x0000000062d4a000 (size 512) (allocated in batadv_orig_node_new)',
  );
});

test("kmemleak's file on UML: the frames that record the trace (save_stack_trace…) are not where it was allocated", async () => {
  // A real leak of test/fixtures/batman-adv-broken.patch, read through the batctl service.
  const [leak] = findingsIn(await fixture('debug-kmemleak.txt'));
  assert.equal(leak.kind, 'kmemleak');
  assert.equal(leak.title, 'unreferenced object 0x6b31b000 (size 2048)');
  assert.equal(leak.where, 'batadv_orig_node_new');
});

test('the other checkers: UBSAN, lockdep, sleeping in atomic context, WARN, BUG, panic; time stamps and CRs stripped', () => {
  const text = [
    '[   12.345678] ------------[ cut here ]------------',
    '[   12.345679] UBSAN: array-index-out-of-bounds in net/batman-adv/originator.c:42:7\r',
    '[   12.345680] index 9 is out of range for type "u8 [8]"',
    '[   12.345681] ---[ end trace ]---',
    'batu-init: bat0 up',
    '======================================================',
    'WARNING: possible circular locking dependency detected',
    '6.12.117 #1 Not tainted',
    'BUG: sleeping function called from invalid context at mm/slab.h:1',
    'WARNING: CPU: 0 PID: 1 at net/batman-adv/hard-interface.c:100 batadv_hardif_x+0x1/0x2',
    '---[ end trace 0000000000000000 ]---',
    'after the trace',
    'BUG: unable to handle page fault for address: 0000000000000008',
    'Kernel panic - not syncing: Fatal exception',
    'WARNING: suspicious RCU usage',
    'BUG: workqueue lockup - pool cpus=0',
  ].join('\n');
  const found = findingsIn(text);
  assert.deepEqual(
    found.map((f) => f.kind),
    ['UBSAN', 'lockdep', 'lockdep', 'warning', 'bug', 'panic', 'lockdep', 'bug'],
  );
  assert.equal(found[0].title, 'UBSAN: array-index-out-of-bounds in net/batman-adv/originator.c:42:7');
  assert.deepEqual(found[0].lines.slice(1), ['index 9 is out of range for type "u8 [8]"', '---[ end trace ]---']);
  assert.ok(!found[3].lines.includes('after the trace'), 'a WARN ends at its end of trace');
});

test('a report names every node, its findings, and who had no debug kernel', () => {
  const report: MeshReport = {
    findings: 1,
    nodes: [
      {
        node: 'n1',
        debug: true,
        findings: findingsIn('BUG: KASAN: use-after-free in f+0x1/0x2\nRead of size 8\n===='),
      },
      { node: 'n2', debug: false, findings: [] },
    ],
  };
  const text = describeReport(report);
  assert.match(
    text,
    /^n1 \(debug kernel\): 1 finding\(s\)\n {2}KASAN: BUG: KASAN: use-after-free in f\+0x1\/0x2\n {4}Read of size 8/,
  );
  assert.match(text, /n2 \(not a debug kernel: console only\): clean/);
  // UML's raw stack words and the frames its unwinder only guessed are left out of the text.
  const kasan = findingsIn(
    [
      'BUG: KASAN: double-free in batadv_orig_node_new+0x4c5/0x4d7 [batman_adv]',
      '',
      'Stack:',
      ' 0d925e58 60bbe12f 41b58ab3 60bad318',
      'Call Trace:',
      ' [<600483b9>] ? dump_trace+0x0/0x20b',
      ' [<6004a1c2>] show_stack+0x10/0x20',
      '====',
    ].join('\n'),
  );
  const shown = describeReport({ findings: 1, nodes: [{ node: 'n1', debug: true, findings: kasan }] });
  assert.match(shown, /\n {4}Call Trace:\n {4} \[<6004a1c2>\] show_stack\+0x10\/0x20\n/);
  assert.doesNotMatch(shown, /Stack:|0d925e58|dump_trace/);
  assert.match(text, /1 finding\(s\) on 2 node\(s\) \(1 without a debug kernel: mesh up --debug\)$/);
});
