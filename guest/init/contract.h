/* Where the init's services listen and what they share with the host: the host side reads
 * the same values from lib/runner/contract.ts, and a unit test holds the two together. */
#ifndef BATU_CONTRACT_H
#define BATU_CONTRACT_H

#define BATU_PORT_BATCTL 12000 /* run_batctl_wrapper: batctl (and tc) requests */
#define BATU_PORT_9P 564       /* run_u9fs: 9P2000.L */
#define BATU_PORT_ALFRED 16962 /* run_alfred: socat to alfred's unix socket */
#define BATU_ALFRED_SOCKET "/run/alfred.sock" /* the guest's own: alfred, batadv-vis and socat meet there */

#endif
