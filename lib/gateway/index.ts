// batu's Freifunk gateway: a gateway file (file.ts, load.ts) and what it makes (plan.ts).
export * from './file.ts';
export { GatewayFileError, loadGateway, readGateway, type LoadedGateway } from './load.ts';
export { makeMissingKeys } from './keys.ts';
export { describePlan, planOf, type DomainPlan, type GatewayPlan } from './plan.ts';
export {
  daemonConfigs,
  daemonSockets,
  DEFAULT_RUN_DIR,
  DEFAULT_STATE_DIR,
  type ConfigPlaces,
  type DaemonConfig,
} from './configs.ts';
export { NFT_TABLE } from './daemons/nftables.ts';
export { readNodeState, parseStatistics, type NodeState } from './node-state.ts';
export { metricsText, type DomainMetrics } from './metrics.ts';
export { responddData, type ResponddContext } from './respondd-data.ts';
export {
  domainNode,
  domainDevices,
  domainMac,
  batmanBandwidth,
  managementAddresses,
  type DomainNode,
  type DomainDevices,
} from './node.ts';
export { runGateway, GatewayError, type GatewayOptions, type RunningGateway } from './up.ts';
export { gatewayStatus, statusText, allAnswered, domainNodeRef, type DomainStatus } from './status.ts';
export { fastdPeers, keaAssigned, type FastdPeer } from './daemons/sockets.ts';
export { addPeer, removePeer, PeerError, type PeerChange } from './peers.ts';
export { hostNetworkUp, hostNetworkDown } from './host-net.ts';
export { serveGateway, type ServeOptions } from './serve.ts';
export { gatewayUnits, type UnitFile, type UnitsOptions } from './units.ts';
export { startDomainNode, withdrawGateway, defaultDrainMs } from './node-run.ts';
export { announceGateway, defaultHoldMs } from './node-run.ts';
export {
  wireguardLinkLocal,
  wireguardPublicKey,
  wireguardKeys,
  wireguardVxlanUp,
  wireguardPeers,
  addWireguardPeer,
  removeWireguardPeer,
  GATEWAY_LINK_LOCAL,
  type WireguardVxlanEnd,
  type WireguardPeerState,
} from './wireguard-vxlan.ts';
export { wireguardDevices, wireguardPeerList } from './wireguard-domain.ts';
