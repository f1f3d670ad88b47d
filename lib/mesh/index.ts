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
  BatmanAdvSource,
  type TopologyInput,
  type Link,
} from './topology.ts';
export { Mesh, runningNode, type MeshOptions } from './mesh.ts';
export { withOffload } from './offload.ts';
export {
  nodeSpec,
  hardInterface,
  consoleSide,
  meshSettingsOf,
  nodeMac,
  nodeOfMac,
  type HostSide,
  type NodeParts,
} from './node-spec.ts';
export type { LinkBackend, LinkEnd, InterfaceBase, CapturePoint } from './links/backend.ts';
export { guestCapture, type CaptureStream } from './capture.ts';
export { nameVisDot, macLabel } from './vis.ts';
export { hostDevice, type DeviceKind } from './devices.ts';
export { managementAddress } from './management.ts';
export { partitionHost, resolveHost } from './hosts.ts';
export { MeshError, TopologyError, NodeStateError, MeshUnreachableError } from './errors.ts';
export { partition, placeOnHosts, cutLinkCount, type Partition } from './partition.ts';
export { manifests, ManifestOptions, type Manifests, type KubernetesObject } from './manifests.ts';
export { statusAcross, type AcrossStatus, type HostStatus } from './across.ts';
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
  MeshRecord,
  type MeshServer,
} from './control.ts';
export { meshStatus, describeStatus, describeAcross, type MeshStatus } from './status.ts';
export {
  operations,
  runOperation,
  MeshRequest,
  type OperationName,
  type OperationContext,
  type OperationCli,
  type RequestOf,
  type ReplyOf,
} from './operations.ts';
export { runMesh, waitForRoutes, type RunMeshOptions } from './run.ts';
export { watchTree, type WatchOptions, type Build } from './watch.ts';
export { meshSnapshot, assemble, type MeshSnapshot, type SnapshotNode, type SnapshotLink } from './snapshot.ts';
export { exportFormats, exportSnapshot, toMeshviewer, toNetJson, toDot, nodeId, type ExportFormat } from './export.ts';
export { meshMetricsText } from './metrics.ts';
export { serveWeb, parseListen, pageView, PageRequest, type WebServer, type WebSource } from './web/server.ts';
export { controlSource } from './web/source.ts';
