// A partitioned mesh as Kubernetes objects: one pod per partition (a StatefulSet: stable
// names), a headless Service giving each pod a DNS name (the partitions' host addresses),
// and the placed topology in a ConfigMap. Each pod runs `batu mesh up --partition <its name>`:
// (`pod`: one part as a Pod of the same template instead, for podman kube play)
// UML needs no privilege and the links between pods are UDP, so the pods ask for none —
// no privileged mode, no capabilities (all dropped), no host network, not root.
// The objects are typed with the Kubernetes API's own types (kubernetes-models, generated
// from its OpenAPI schemas): a misspelt field fails typechecking; the tests validate them.
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { z } from 'zod';
import { partition, placeOnHosts } from './partition.ts';
import { Topology, type TopologyInput } from './topology.ts';

export const ManifestOptions = z
  .strictObject({
    /** The StatefulSet's and Service's name; pods are <name>-0 … <name>-(parts-1). */
    name: z.string().regex(/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/, 'expected a DNS label of at most 42 characters'),
    namespace: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected a namespace name (a DNS label)')
      .default('default'),
    parts: z.number().int().min(1).max(256),
    /** batu's container image (recipes/oci-image.ts) as the cluster pulls it, e.g. after a skopeo copy to its registry. */
    image: z.string().min(1),
    /** The cluster's DNS domain. */
    clusterDomain: z.string().default('cluster.local'),
    /** Only this part (its ordinal), as a Pod with its ConfigMap: what podman kube play runs. */
    pod: z.number().int().min(0).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.pod !== undefined && o.pod >= o.parts)
      ctx.addIssue({
        code: 'custom',
        path: ['pod'],
        message: `expected the ordinal of one of the ${o.parts} parts (0 to ${o.parts - 1}), got ${o.pod}`,
      });
  });
export type ManifestOptions = z.input<typeof ManifestOptions>;

/** Per node: guest memory (64 MiB) and UML's own; what an idle node uses (~17 MiB) is requested. */
const NODE_LIMIT_MIB = 96;
const NODE_REQUEST_MIB = 24;

/** A Kubernetes object (typed inside; plain here, so that users need no Kubernetes types). */
export type KubernetesObject = { apiVersion: string; kind: string; metadata: { name: string } } & Record<
  string,
  unknown
>;

export interface Manifests {
  /** ConfigMap, Service, StatefulSet (or ConfigMap, Pod): in the order to apply them. */
  objects: KubernetesObject[];
  /** The topology as placed on the pods. */
  topology: TopologyInput;
  cutLinks: number;
}

export function manifests(input: TopologyInput, options: ManifestOptions): Manifests {
  const { name, namespace, parts, image, clusterDomain, pod } = ManifestOptions.parse(options);
  const split = partition(input, parts);
  const hosts = split.parts.map((_, i) => ({
    name: `${name}-${i}`,
    address: `${name}-${i}.${name}.${namespace}.svc.${clusterDomain}`,
  }));
  const topology = placeOnHosts(input, split, hosts);
  const { basePort } = Topology.parse(topology);
  const most = Math.max(...split.parts.map((p) => p.length));
  const labels = { 'app.kubernetes.io/name': 'batu-mesh', 'app.kubernetes.io/instance': name };
  const metadata = { name, namespace, labels };

  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...metadata, name: `${name}-topology` },
    data: { 'topology.json': `${JSON.stringify(topology, null, 2)}\n` },
  } satisfies IConfigMap;

  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      clusterIP: 'None', // headless: a DNS name per pod, the partitions' addresses
      publishNotReadyAddresses: true, // a partition's links need its peers' addresses before they are ready
      selector: labels,
      ports: [{ name: 'status', port: basePort, targetPort: basePort, protocol: 'TCP' }],
    },
  } satisfies IService;

  const shape = { labels, name, image, basePort, most };
  if (pod !== undefined) {
    // podman (4.3) has no $(VAR) in commands, makes each volume a named volume of the whole
    // host, and publishes a container port on the host's (which host networking refuses): the
    // part is named outright, and so are its volumes, after the pod; no ports are listed.
    const podName = `${name}-${pod}`;
    const { spec } = podTemplateOf({ ...shape, partition: podName, volume: (v) => `${podName}-${v}` });
    const single = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...metadata, name: podName },
      spec: { ...spec, containers: spec.containers.map(({ ports: _, ...c }) => c), hostname: podName },
    } satisfies IPod;
    return { objects: [configMap, single], topology, cutLinks: split.cutLinks };
  }
  const statefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata,
    spec: {
      serviceName: name,
      replicas: parts,
      podManagementPolicy: 'Parallel', // links come up whenever both ends are there
      selector: { matchLabels: labels },
      template: podTemplateOf({ ...shape, partition: '$(POD_NAME)', volume: (v) => v }),
    },
  } satisfies IStatefulSet;

  return { objects: [configMap, service, statefulSet], topology, cutLinks: split.cutLinks };
}

/** A pod that runs one part: no privilege, no capabilities, not root, the runtime's default seccomp. */
function podTemplateOf({
  labels,
  name,
  image,
  basePort,
  most,
  partition,
  volume,
}: {
  labels: Record<string, string>;
  name: string;
  image: string;
  basePort: number;
  /** Nodes in the largest part: what a pod is sized for. */
  most: number;
  /** The part it runs: `$(POD_NAME)` in a StatefulSet. */
  partition: string;
  /** A volume's name in the pod. */
  volume: (name: string) => string;
}) {
  return {
    metadata: { labels },
    spec: {
      hostNetwork: false,
      automountServiceAccountToken: false, // batu does not talk to the API server
      enableServiceLinks: false,
      // RuntimeDefault refuses personality(ADDR_NO_RANDOMIZE): nodes then run randomised (lib/runner/boot.ts)
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'batu',
          image,
          command: ['batu', 'mesh', 'up', '/etc/batu/topology.json', '--partition', partition],
          // the image sets BATU_STORE and BATU_PREBUILT (recipes/oci-image.ts)
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          ports: [
            { name: 'status', containerPort: basePort, protocol: 'TCP' },
            // the links: basePort + 1 + link index, UDP (listed for readers; nothing needs it)
            { name: 'links', containerPort: basePort + 1, protocol: 'UDP' },
          ],
          readinessProbe: { tcpSocket: { port: basePort }, periodSeconds: 5 },
          securityContext: {
            privileged: false,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            readOnlyRootFilesystem: true, // batu writes only /tmp and /dev/shm
          },
          resources: {
            requests: { cpu: `${100 + 20 * most}m`, memory: `${256 + NODE_REQUEST_MIB * most}Mi` },
            limits: { memory: `${512 + NODE_LIMIT_MIB * most}Mi` },
          },
          volumeMounts: [
            { name: volume('topology'), mountPath: '/etc/batu', readOnly: true },
            { name: volume('shm'), mountPath: '/dev/shm' }, // UML's guest memory files
            { name: volume('tmp'), mountPath: '/tmp' }, // run directories, sockets
          ],
        },
      ],
      volumes: [
        { name: volume('topology'), configMap: { name: `${name}-topology` } },
        { name: volume('shm'), emptyDir: { medium: 'Memory', sizeLimit: `${NODE_LIMIT_MIB * most}Mi` } },
        { name: volume('tmp'), emptyDir: {} },
      ],
    },
  } satisfies IPodTemplateSpec;
}
