// What lib/mesh throws, by kind, so a library user can tell a bad topology from a dead node.

/** Anything lib/mesh refuses or fails at. */
export class MeshError extends Error {
  override name = 'MeshError';
}

/** A topology (or a change to one) that cannot be: bad names, links, hosts or properties. */
export class TopologyError extends MeshError {
  override name = 'TopologyError';
}

/** A node that is not running, or did something it should not (a failed tc, a refused request). */
export class NodeStateError extends MeshError {
  override name = 'NodeStateError';
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
  }
}

/** A mesh run by another process that cannot be reached: none by that name, or it did not answer. */
export class MeshUnreachableError extends MeshError {
  override name = 'MeshUnreachableError';
}
