// lib/mesh: topologies of nodes and links, started, observed and changed while running.
export {
  Topology,
  NodeName,
  LinkProperties,
  line,
  ring,
  grid,
  randomGeometric,
  nodeNumber,
  linksOf,
  linkBetween,
  type TopologyInput,
  type Link,
} from './topology.ts';
export { Mesh, meshSettingsOf, runningNode, nodeMac, nodeOfMac, type MeshOptions } from './mesh.ts';
export { observe, converged, formatTable, heardRecently, type NodeView } from './observe.ts';
export { generateTopology, loadTopology, fromMeshnetLab, topoUsage, type LoadedTopology } from './sources.ts';
export {
  meshDown,
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
} from './control.ts';
