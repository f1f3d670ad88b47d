// Where a node's services listen, as the guest init has it (guest/init/contract.h; a unit
// test holds the two together).
export const servicePorts = {
  /** run_batctl_wrapper: batctl (and tc) requests. */
  batctl: 12000,
  /** run_u9fs: 9P2000.L. */
  ninep: 564,
  /** run_alfred: socat to alfred's unix socket. */
  alfred: 16962,
} as const;
