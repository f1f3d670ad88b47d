// lib/mesh: topologies of nodes and links, started, observed and changed while running.
export { Topology, line, ring, grid, type TopologyInput } from './topology.ts';
export { Mesh, nodeMac, nodeOfMac, type MeshOptions } from './mesh.ts';
export { observe, converged, formatTable, type NodeView } from './observe.ts';
