// lib/runner: start, stop and observe UML nodes.
export { bootToPowerOff, umlCommand, guestMemoryDir, guestMemoryHeld, type BootResult } from './boot.ts';
export { UmlNode, NodeError, NodeStartAborted, type StartOptions } from './node.ts';
export { ReadySummary } from './contract.ts';
export { NodeRecord } from './registry.ts';
export { hostTaps } from './descriptors.ts';
export { kernelOffers, kernelFeaturesFile, type KernelFeature } from './kernel-features.ts';
export { Descriptors, type End } from './ends.ts';
export { runRoot, listNodes, reapDeadNodes, type RunningNode } from './registry.ts';
export { runNode, type RunNodeOptions } from './run-node.ts';
export { hostAddressFor } from './host-address.ts';
export { powerOff, powerOffRunning, type PowerControl } from './power.ts';
export { Netns, listNamespaces } from './netns.ts';
export { ReachError, nodeView, reachFor, viewPrefix, closedAncestor, type Credentials, type Need } from './reach.ts';
export { mconsole, mconsoleSocket } from './mconsole.ts';
export { ConsoleChannel } from './console-channel.ts';
export { WireServer } from './wire.ts';
export { helperBinary, runnerHelpers, type Helper } from './helpers.ts';
export { visualize, visFormats, dotToSvg, type VisFormat } from './vis.ts';
export {
  batctl,
  guestCommand,
  guestQuiet,
  type GuestProgram,
  batctlJson,
  alfredBridge,
  readGuestFile,
  listGuestDir,
  getGuestFile,
  putGuestFile,
  type AlfredBridge,
  type NodeRef,
} from './services.ts';
export { servicePorts } from './contract.ts';
export { findingsIn, describeFinding, type Finding, type FindingKind } from './findings.ts';
