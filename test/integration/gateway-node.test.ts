// A gateway node's metrics and respondd answer, read from a real node: a 3-node line whose
// first node is a gateway (gw_mode server). The metrics parse with a Prometheus text
// parser and count what `batctl o` shows; the respondd answer names the node by bat0's MAC,
// marks it a gateway, and lists as tunnels the MACs its neighbours hear it on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { GatewayFile, domainNode, metricsText, planOf, readNodeState, responddData } from '../../lib/gateway/index.ts';
import { Mesh, converged, observe } from '../../lib/mesh/index.ts';
import { Netns, UmlNode, batctl, batctlJson } from '../../lib/runner/index.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';

test(
  'a gateway node: its metrics count what batctl shows; its respondd answer is what a map needs',
  { timeout: 600_000 },
  async (t) => {
    const { kernel, image } = await guestPaths();
    const mesh = await Mesh.start(
      {
        nodes: [
          { name: 'gw', gateway: 'server' },
          { name: 'r1', gateway: 'client' },
          { name: 'r2', gateway: 'client' },
        ],
        links: [
          ['gw', 'r1'],
          ['r1', 'r2'],
        ],
        origInterval: 500,
      },
      { kernel, image },
    );
    t.after(() => mesh.stop());
    for (let i = 0; i < 60 && !converged(await observe(mesh)); i++) await sleep(1000);
    const gw = mesh.node('gw');
    const state = await readNodeState(gw);

    // Metrics: as Prometheus reads them; originators as batctl o lists them.
    const families = parsePrometheusTextFormat(
      await metricsText([
        { domain: 'dom1', state, restarts: 2, tunnels: [{ device: 'fastd-dom1', kind: 'fastd', peers: 1 }] },
      ]),
    );
    const value = (name: string, labels: Record<string, string> = {}) =>
      families
        .find((f) => f.name === name)
        ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;
    const listed =
      (await batctl(gw, ['meshif', 'bat0', 'originators'])).match(/^\s*\*?\s*([0-9a-f]{2}:){5}[0-9a-f]{2}/gm) ?? [];
    assert.equal(listed.length, 2, `batctl o lists r1 and r2:\n${listed.join('\n')}`);
    assert.equal(value('batu_gateway_originators', { domain: 'dom1' }), String(listed.length));
    assert.equal(value('batu_gateway_node_up', { domain: 'dom1' }), '1');
    assert.equal(value('batu_gateway_node_restarts_total', { domain: 'dom1' }), '2');
    assert.equal(value('batu_gateway_tunnel_peers', { domain: 'dom1', tunnel: 'fastd-dom1' }), '1');
    const r1Hard = mesh.node('r1').ready.interfaces.find((i) => i.role === 'hard')!.mac;
    assert.ok(Number(value('batu_gateway_neighbour_tq', { domain: 'dom1', neighbour: r1Hard })) > 0, 'r1’s TQ');
    assert.ok(Number(value('batu_gateway_traffic_packets_total', { domain: 'dom1', direction: 'mgmt_tx' })) > 0);

    // respondd: node_id is bat0's MAC; vpn; the tunnel MAC is the one r1 hears the gateway on.
    const example = GatewayFile.parse(
      parse(await readFile(new URL('../../examples/gateway.yaml', import.meta.url), 'utf8')),
    );
    const answer = responddData({
      domain: example.domains[0],
      state,
      addresses: ['fd01:101::1'],
      uptimeSeconds: 60,
      release: '0.1.0',
    });
    const bat0 = gw.ready.bat0.mac;
    assert.match(answer.nodeinfo.node_id, /^[0-9a-f]{12}$/);
    assert.equal(answer.nodeinfo.node_id, bat0.replaceAll(':', ''));
    for (const section of [answer.statistics, answer.neighbours])
      assert.equal(section.node_id, answer.nodeinfo.node_id);
    assert.equal(answer.nodeinfo.vpn, true);
    const heardOn = (await batctlJson<{ neigh_address: string }[]>(mesh.node('r1'), 'neighbors_json')).map(
      (n) => n.neigh_address,
    );
    const tunnels = answer.nodeinfo.network.mesh.bat0.interfaces.tunnel;
    assert.ok(
      tunnels.some((mac) => heardOn.includes(mac)),
      `r1 hears the gateway on one of its tunnel MACs ${tunnels}`,
    );
    const [own] = tunnels;
    assert.ok((answer.neighbours.batadv[own]?.neighbours[r1Hard]?.tq ?? 0) > 0, JSON.stringify(answer.neighbours));
    assert.equal(answer.nodeinfo.system.site_code, 'ffxx');
  },
);

test(
  'a domain’s node from the gateway file: unprivileged, with the domain’s batman-adv settings on bat0 and its tunnel',
  { timeout: 600_000 },
  async (t) => {
    const { kernel, image } = await guestPaths();
    const example = GatewayFile.parse(
      parse(await readFile(new URL('../../examples/gateway.yaml', import.meta.url), 'utf8')),
    );
    const [dom1] = example.domains;
    const made = domainNode(dom1, planOf(example).domains[0], { kernel, image, index: 0 });
    const ns = await Netns.create('bt');
    t.after(() => ns.delete());
    for (const [bridge, { address, mac }] of Object.entries(made.bridges)) await ns.addBridge(bridge, address, mac);
    const node = await UmlNode.start(made.spec, {
      netns: ns,
      user: { uid: 65534, gid: 65534 },
      tapFds: made.tapFds,
      attach: made.attach,
    });
    t.after(() => node.stop());
    assert.equal(node.ready.errors, 0, node.consoleText);
    assert.match(await readFile(`/proc/${node.pid}/status`, 'utf8'), /^Uid:\s+65534\s/m, 'runs as nobody');
    const mesh = await batctlJson<{
      algo_name: string;
      orig_interval: number;
      hop_penalty: number;
      gw_mode: string;
      gw_bandwidth_down: number;
      gw_bandwidth_up: number;
    }>(node, 'mesh_json');
    assert.equal(mesh.algo_name, 'BATMAN_V');
    assert.equal(mesh.orig_interval, 5000);
    assert.equal(mesh.hop_penalty, 30);
    assert.equal(mesh.gw_mode, 'server');
    assert.deepEqual(
      [mesh.gw_bandwidth_down, mesh.gw_bandwidth_up],
      [10000, 10000],
      '1000mbit each way, in 100 kbit/s',
    );
    const [hard] = await batctlJson<{ hard_ifname: string; throughput_override: number }[]>(node, 'hardifs_json');
    assert.equal(hard.hard_ifname, 'vec2', 'the fastd tunnel’s interface');
    assert.equal(hard.throughput_override, 10000, 'its throughput_override: 1000mbit');
  },
);
