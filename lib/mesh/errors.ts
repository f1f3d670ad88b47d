// What lib/mesh throws, by kind, so a library user can tell a bad topology from a dead node.
// Each kind's name is its class's (error.name), as printed.

/** Anything lib/mesh refuses or fails at. */
export class MeshError extends Error {
  override get name(): string {
    return this.constructor.name;
  }
}

/** A topology (or a change to one) that cannot be: bad names, links, hosts or properties. */
export class TopologyError extends MeshError {}

/** A mesh run by another process that cannot be reached: none by that name, or it did not answer. */
export class MeshUnreachableError extends MeshError {}

/** A node that is not running, or did something it should not (a failed tc, a refused request). */
export class NodeStateError extends MeshError {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
  }
}
