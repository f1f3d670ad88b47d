// What lib/sim throws, by kind. A topology simulated time cannot run is lib/mesh's TopologyError.
import { MeshError, NodeStateError } from '../mesh/index.ts';

/** The simulation itself failed: the calendar died or was misused. */
export class SimError extends MeshError {}

/** Simulated time ran out before something happened (a node ready, a console answer). */
export class SimTimeoutError extends SimError {}

/** A node of the simulation exited, or its kernel cannot take part. */
export class SimNodeError extends NodeStateError {}
