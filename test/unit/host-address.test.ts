// The host's address on a node's management link (lib/runner/host-address.ts).
import assert from 'node:assert/strict';
import test from 'node:test';
import { hostAddressFor } from '../../lib/runner/host-address.ts';

test("the host takes the subnet's first address that is not the node's, unless the subnet is served", () => {
  assert.equal(hostAddressFor('192.168.254.2'), '192.168.254.1/24', 'default /24');
  assert.equal(hostAddressFor('192.168.254.1/24'), '192.168.254.2/24', 'the node has .1: the host takes .2');
  assert.equal(hostAddressFor('10.7.3.9/16'), '10.7.0.1/16');
  assert.equal(hostAddressFor('10.0.0.5/30'), '10.0.0.6/30', 'network .4: .5 is the node');
  assert.equal(hostAddressFor('10.0.0.5/31'), undefined, 'no room for a host');
  assert.equal(hostAddressFor('192.168.254.2/24', ['192.168.254.254/24']), undefined, 'served already');
  assert.equal(hostAddressFor('192.168.254.2/24', ['192.168.253.1/24']), '192.168.254.1/24', 'another subnet');
  assert.equal(hostAddressFor('10.1.2.3/0'), '0.0.0.1/0');
});
