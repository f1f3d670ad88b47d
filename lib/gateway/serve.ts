// What the gateway shows of itself: respondd on each domain's client bridge (the map) and
// the Prometheus metrics, both made from the domains' status as `gateway status` reads it
// (each node over its batctl service, fastd and kea over their sockets). `gateway up` runs it
// beside its nodes; systemd's serve unit runs it alone (`gateway serve`).
import { createServer, type Server } from 'node:http';
import ipaddr from 'ipaddr.js';
import { Responder } from '../respondd/index.ts';
import { network, type GatewayFile } from './file.ts';
import { step, type Undo } from './host-net.ts';
import { metricsText, type DomainMetrics } from './metrics.ts';
import { readNodeState } from './node-state.ts';
import type { GatewayPlan } from './plan.ts';
import { responddData } from './respondd-data.ts';
import { domainNodeRef, gatewayStatus } from './status.ts';

export interface ServeOptions {
  runDir: string;
  /** The respondd port (tests use another; default 1001). */
  responddPort?: number;
  release?: string;
  /** How often domain `index`'s node was started again, where this process knows it. */
  restarts?: (index: number) => number;
}

export interface Serving {
  metricsUrl?: string;
  /** Stops both, last first. */
  undo: Undo[];
}

export async function serveGateway(gateway: GatewayFile, plan: GatewayPlan, options: ServeOptions): Promise<Serving> {
  const undo: Undo[] = [];
  // A node's uptime as respondd reports it: since this process first found it answering.
  const upSince = new Map<number, number>();
  try {
    const responder = await step('respondd', () =>
      Responder.start({
        port: options.responddPort,
        sides: gateway.domains.map((domain, index) => ({
          interface: plan.domains[index].bridge,
          prefixes: [domain.clients.ipv4.address, domain.clients.ipv6?.address]
            .filter((a): a is string => !!a)
            .map((a) => network(ipaddr.parseCIDR(a))),
          data: async () => {
            const state = await readNodeState(domainNodeRef(plan, index)).catch((error: unknown) => {
              upSince.delete(index);
              throw error;
            });
            if (!upSince.has(index)) upSince.set(index, Date.now());
            return responddData({
              domain,
              state,
              addresses: [domain.clients.ipv6?.address, domain.clients.ipv4.address]
                .filter((a): a is string => !!a)
                .map((a) => a.split('/')[0]),
              uptimeSeconds: Math.round((Date.now() - upSince.get(index)!) / 1000),
              release: options.release ?? '0.1.0',
            });
          },
        })),
      }),
    );
    undo.push(() => responder.close());
    if (!gateway.metrics) return { undo };
    const { address, port } = gateway.metrics;
    const server = await step('metrics', () =>
      metricsServer(address, port, () => domainMetrics(gateway, plan, options)),
    );
    undo.push(() => new Promise((done) => server.close(done)));
    return { undo, metricsUrl: plan.metrics };
  } catch (error) {
    for (const action of undo.reverse()) await action().catch(() => {});
    throw error;
  }
}

/** Each domain's metrics: its status, and how often its node was restarted. */
async function domainMetrics(gateway: GatewayFile, plan: GatewayPlan, options: ServeOptions): Promise<DomainMetrics[]> {
  const status = await gatewayStatus(gateway, plan, { runDir: options.runDir });
  return status.map((s, index) => ({
    domain: s.domain,
    state: s.state,
    restarts: options.restarts?.(index),
    tunnels: s.tunnels.map((t) => ({
      device: t.device,
      kind: t.kind,
      peers: t.peers?.filter((p) => p.connected).length ?? 0,
    })),
    leases: s.leases,
  }));
}

function metricsServer(address: string, port: number, metrics: () => Promise<DomainMetrics[]>): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end('only GET /metrics\n');
      return;
    }
    metrics()
      .then(metricsText)
      .then(
        (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
        (error: Error) => response.writeHead(500).end(`${error.message}\n`),
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}
