// The Kubernetes objects for a partitioned mesh, validated against the Kubernetes API's own
// schemas (kubernetes-models' validators, generated from its OpenAPI), and free of privilege.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { Topology, generateTopology, manifests, type KubernetesObject } from '../../lib/mesh/index.ts';
import { batuCli } from '../fixtures/cli-helpers.ts';

const models = { ConfigMap, Pod, Service, StatefulSet } as const;
/** The Kubernetes schema's verdict on one object: throws what is wrong with it. */
function validate(object: KubernetesObject) {
  const Model = models[object.kind as keyof typeof models];
  assert.ok(Model, `no schema for kind ${object.kind}`);
  new Model(object as never).validate();
}

/** Every path in an object where `bad` holds. */
function find(value: unknown, bad: (key: string, v: unknown) => boolean, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(bad(k, v) ? [`${path}.${k}`] : []),
    ...find(v, bad, `${path}.${k}`),
  ]);
}

const grid = generateTopology('grid,5x2').topology;
const options = { name: 'btmesh', parts: 2, image: 'registry.example/batu:0.1.0' };

test('manifests: a ConfigMap, a headless Service and a StatefulSet that the Kubernetes schemas accept', () => {
  const { objects, topology, cutLinks } = manifests(grid, options);
  assert.deepEqual(
    objects.map((o) => o.kind),
    ['ConfigMap', 'Service', 'StatefulSet'],
  );
  for (const object of objects) validate(object);
  assert.ok(cutLinks >= 3, `cut links ${cutLinks}`);
  // The pods are the hosts: their stable names, their names in the headless Service's domain.
  const placed = Topology.parse(JSON.parse((objects[0].data as Record<string, string>)['topology.json']));
  assert.deepEqual(placed, Topology.parse(topology));
  assert.deepEqual(
    placed.hosts,
    [0, 1].map((i) => ({ name: `btmesh-${i}`, address: `btmesh-${i}.btmesh.default.svc.cluster.local` })),
  );
  const service = objects[1] as unknown as Service;
  assert.equal(service.spec?.clusterIP, 'None');
  const set = objects[2] as unknown as StatefulSet;
  assert.equal(set.spec?.replicas, 2);
  assert.equal(set.spec?.serviceName, 'btmesh');
  assert.deepEqual(set.spec?.template.spec?.containers[0].command?.slice(-2), ['--partition', '$(POD_NAME)']);
  // The validator bites: a wrong type and a missing required field are refused.
  const broken = structuredClone(objects[2]) as unknown as { spec: Record<string, unknown> };
  broken.spec.replicas = 'two';
  assert.throws(() => validate(broken as unknown as KubernetesObject), /replicas must be integer/);
  delete broken.spec.selector;
  broken.spec.replicas = 2;
  assert.throws(() => validate(broken as unknown as KubernetesObject), /must have required property selector/);
});

test('manifests: no privileged mode, no added capabilities, no host network or namespaces, not root, a read-only root', () => {
  const { objects } = manifests(grid, { ...options, parts: 3 });
  const privileged = objects.flatMap((o) =>
    find(
      o,
      (k, v) =>
        (['privileged', 'hostNetwork', 'hostPID', 'hostIPC', 'allowPrivilegeEscalation'].includes(k) && v !== false) ||
        (k === 'capabilities' && (v as { add?: unknown[] }).add !== undefined) ||
        k === 'hostPath' ||
        (k === 'runAsUser' && v === 0),
    ),
  );
  assert.deepEqual(privileged, []);
  const container = (objects[2] as unknown as StatefulSet).spec!.template.spec!.containers[0];
  assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true, 'the image needs only /tmp and /dev/shm');
  assert.equal((objects[2] as unknown as StatefulSet).spec!.template.spec!.securityContext?.runAsNonRoot, true);
});

test('batu mesh manifests: YAML documents (or --json) with the same objects; a bad name is named', async () => {
  const args = [
    'mesh',
    'manifests',
    '--topo',
    'grid,5x2',
    '--parts',
    '2',
    '--name',
    'btmesh',
    '--image',
    options.image,
  ];
  const yaml = await batuCli(...args);
  assert.equal(yaml.exitCode, 0, String(yaml.stderr));
  assert.match(String(yaml.stderr), /2 pods, \d+ links between them/);
  const documents = parseAllDocuments(String(yaml.stdout)).map((d) => d.toJS() as KubernetesObject);
  assert.deepEqual(documents, manifests(grid, options).objects);
  const json = await batuCli(...args, '--json');
  assert.deepEqual(JSON.parse(String(json.stdout)), documents);
  const bad = await batuCli(...args.slice(0, -4), '--name', 'Bad_Name', '--image', 'x');
  assert.notEqual(bad.exitCode, 0);
  assert.match(String(bad.stderr), /bad --name: expected a DNS label/);
});

test('manifests --pod: one part as a Pod of the StatefulSet’s template (its part and volumes named outright, no ports), with its ConfigMap', async () => {
  const whole = manifests(grid, options).objects;
  const { objects } = manifests(grid, { ...options, pod: 1 });
  assert.deepEqual(
    objects.map((o) => o.kind),
    ['ConfigMap', 'Pod'],
  );
  for (const object of objects) validate(object);
  assert.deepEqual(objects[0], whole[0], 'the same ConfigMap: the same placed topology');
  const pod = objects[1] as unknown as Pod;
  assert.equal(pod.metadata?.name, 'btmesh-1');
  const template = structuredClone((whole[2] as unknown as StatefulSet).spec!.template.spec!);
  // What differs: podman 4.3 expands no $(VAR) and makes volumes named volumes of the host.
  template.containers[0].command![5] = 'btmesh-1';
  delete template.containers[0].ports;
  const rename = <V extends { name: string }>(v: V): V => ({ ...v, name: `btmesh-1-${v.name}` });
  template.containers[0].volumeMounts = template.containers[0].volumeMounts!.map(rename);
  template.volumes = template.volumes!.map(rename);
  assert.deepEqual(pod.spec, { ...template, hostname: 'btmesh-1' });
  assert.equal(pod.spec?.securityContext?.seccompProfile?.type, 'RuntimeDefault');

  assert.throws(
    () => manifests(grid, { ...options, pod: 2 }),
    /expected the ordinal of one of the 2 parts \(0 to 1\), got 2/,
  );
  const bad = await batuCli('mesh', 'manifests', '--topo', 'grid,5x2', '--parts', '2', '--image', 'x', '--pod', 'one');
  assert.notEqual(bad.exitCode, 0);
  assert.match(String(bad.stderr), /expected a pod's ordinal \(0, 1, …\), got "one"/);
});
