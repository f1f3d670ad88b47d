// batu speaks batman-adv's wire protocol: a default batu node (batu's kernel and patches,
// its bat0 side a vector tap with virtio-net headers, so TCP reaches batman-adv as GSO
// packets, which it segments for the tap link) meshes over a tap link with a stock peer — Debian's UML 6.1 with Debian's batman-adv
// module and batctl, built by nobody here — and TCP crosses between them intact both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { batctlJson } from '../../lib/runner/index.ts';
import { average, batmanCounters, nodeTestBed } from '../fixtures/guest-helpers.ts';
import { startStockPeer } from '../fixtures/stock-peer.ts';

const bed = nodeTestBed();
const BATU_ADDRESS = '10.99.0.1'; // the namespace, on the batu node's bat0 tap
const PEER_ADDRESS = '10.99.0.2'; // the stock peer's bat0
const PAYLOAD_BYTES = 4_000_000;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test("a stock batman-adv (Debian's UML and module) meshes with a default batu node; TCP crosses intact both ways", async (t) => {
  await bed.ns.addBridge('bt-mesh');
  const node = await bed.start(
    {
      ...bed.paths,
      umid: 'bt-stock-mate',
      serviceIp: '192.168.254.61/24',
      batctlWrapper: true,
      management: { driver: 'tuntap', tap: 'bt-61-m' },
      bat0Tap: { driver: 'vector', transport: 'fd', fd: 3, fdKind: 'tap', offload: true },
      hard: [{ driver: 'vector', transport: 'tap', ifname: 'bt-61-h0', mtu: 1560 }],
    },
    { netns: bed.ns, tapFds: { 3: 'bt-61-b' }, attach: { 'bt-61-m': 'bt-mgmt', 'bt-61-h0': 'bt-mesh' } },
  );
  assert.match(node.consoleText, /fd: using vnet headers/, "the bat0 side takes GSO packets (the mesh's default)");
  await bed.ns.ip('addr', 'add', `${BATU_ADDRESS}/24`, 'dev', 'bt-61-b');

  const peer = await startStockPeer(bed.ns, {
    tap: 'bt-62-h0',
    mac: '02:ba:00:3e:02:00',
    address: `${PEER_ADDRESS}/24`,
    script: `
i=0; until ping -c 1 -W 1 ${BATU_ADDRESS} > /dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 60 ] || { batctl n; batctl o; ip addr; ip neigh; echo "stock-peer: failed ping"; exit; }
done
echo "stock-peer: reached"
echo "stock-peer: received $(socat -u TCP-LISTEN:5001,reuseaddr STDOUT | sha256sum | cut -c1-64)"
head -c ${PAYLOAD_BYTES} /dev/urandom > /tmp/payload
echo "stock-peer: sending $(sha256sum < /tmp/payload | cut -c1-64)"
socat -u FILE:/tmp/payload TCP:${BATU_ADDRESS}:5002,retry=40,interval=0.5 || echo "stock-peer: failed send"`,
  });
  t.after(() => peer.stop());
  await bed.ns.attach('bt-62-h0', 'bt-mesh');

  const [, version] = await peer.waitFor(/up (.*)/, 60_000);
  t.diagnostic(`stock peer: ${version}`);
  assert.match(version, /batctl debian-.*\[batman-adv: 20\d\d\.\d\]/, "Debian's batctl and module");
  await peer.waitFor(/reached/, 90_000);
  const neighbours = await batctlJson<{ hard_ifname: string; neigh_address: string }[]>(node, 'neighbors_json');
  assert.ok(
    neighbours.some((n) => n.neigh_address === '02:ba:00:3e:02:00'),
    `the batu node has the stock peer as a neighbour: ${JSON.stringify(neighbours)}`,
  );

  const toPeer = randomBytes(PAYLOAD_BYTES);
  const before = await batmanCounters(node);
  await bed.ns.exec('socat', ['-u', 'STDIN', `TCP:${PEER_ADDRESS}:5001,retry=40,interval=0.5`], { input: toPeer });
  const [, received] = await peer.waitFor(/received ([0-9a-f]{64})/, 60_000);
  assert.equal(received, sha256(toPeer), 'batu → stock peer: the payload arrived intact');
  const into = average(before, await batmanCounters(node), 'tx');
  assert.ok(
    into > 8000,
    `TCP entered batu's bat0 as GSO packets (${Math.round(into)} bytes on average), segmented on the link`,
  );

  const listening = bed.ns.exec('sh', ['-c', 'socat -u TCP-LISTEN:5002,reuseaddr STDOUT | sha256sum']);
  const [, sent] = await peer.waitFor(/sending ([0-9a-f]{64})/, 30_000);
  const { stdout } = await listening;
  assert.equal(stdout.slice(0, 64), sent, 'stock peer → batu: the payload arrived intact');
  await peer.waitFor(/done/, 30_000);
});
