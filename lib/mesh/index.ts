// lib/mesh: topologies of nodes and links, started, observed and changed while running.
export {
  Topology,
  NodeName,
  LinkProperties,
  line,
  ring,
  grid,
  torus,
  randomGeometric,
  nodeNumber,
  linksOf,
  linkBetween,
  Host,
  HostName,
  type TopologyInput,
  type Link,
} from './topology.ts';
export {
  Mesh,
  meshSettingsOf,
  runningNode,
  nodeMac,
  nodeOfMac,
  partitionHost,
  resolveHost,
  type MeshOptions,
} from './mesh.ts';
export { partition, placeOnHosts, cutLinkCount, type Partition } from './partition.ts';
export { manifests, ManifestOptions, type Manifests, type KubernetesObject } from './manifests.ts';
export { statusAcross, type AcrossStatus, type HostStatus } from './across.ts';
export { observe, converged, formatTable, heardRecently, type NodeView } from './observe.ts';
export { generateTopology, loadTopology, fromMeshnetLab, topoUsage, type LoadedTopology } from './sources.ts';
export {
  meshDown,
  meshStatus,
  serveMesh,
  meshRequest,
  listMeshes,
  claimMeshName,
  releaseMeshName,
  meshDir,
  MeshName,
  MeshRequest,
  type MeshRecord,
  type MeshServer,
  type MeshStatus,
} from './control.ts';
