// WireGuard's keys and addresses as batu derives them: public keys as Debian's `wg pubkey`
// gives them, link-local addresses by Gluon's rule (so real Gluon routers and wgkex gateways
// agree with batu's), and the peer files `gateway peer add` writes read back by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  wireguardKeys,
  wireguardLinkLocal,
  wireguardPeerList,
  wireguardPublicKey,
  WireguardVxlanTunnel,
} from '../../lib/gateway/index.ts';

test('a WireGuard public key is what wg pubkey makes of the private key', async () => {
  for (let i = 0; i < 5; i++) {
    const { privateKey, publicKey } = wireguardKeys();
    const { stdout } = await execa('wg', ['pubkey'], { input: `${privateKey}\n` });
    assert.equal(publicKey, stdout.trim());
    assert.equal(wireguardPublicKey(`${privateKey}\n`), publicKey, 'a key file’s newline is no part of it');
  }
  assert.throws(() => wireguardPublicKey('c2hvcnQ='), /32 bytes/);
});

test('a link-local address by Gluon’s rule: MD5 of the base64 key, 02 and five bytes, EUI-64 form as written', () => {
  // md5("MvVGUfgPlWF0Wa6UgIuaS/QBiipFLPGPmUMWi5KTVmE=") = 387070bb74… (coreutils md5sum):
  // MAC 02:38:70:70:bb:74, so fe80::0238:70ff:fe70:bb74, leading zeros dropped.
  assert.equal(wireguardLinkLocal('MvVGUfgPlWF0Wa6UgIuaS/QBiipFLPGPmUMWi5KTVmE='), 'fe80::238:70ff:fe70:bb74');
  const a = wireguardKeys().publicKey;
  const b = wireguardKeys().publicKey;
  assert.match(wireguardLinkLocal(a), /^fe80::2[0-9a-f]{2}:[0-9a-f]{1,2}ff:fe[0-9a-f]{2}:[0-9a-f]{1,4}$/);
  assert.notEqual(wireguardLinkLocal(a), wireguardLinkLocal(b));
});

test('peers from a directory: one file per peer holding its key; dot files skipped, a file without a key reported', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'batu-wg-peers-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const [r1, r2] = [wireguardKeys().publicKey, wireguardKeys().publicKey];
  await writeFile(join(dir, 'r2'), `${r2}\n`);
  await writeFile(join(dir, 'r1'), r1);
  await writeFile(join(dir, '.r3.tmp'), r1);
  await writeFile(join(dir, 'broken'), 'not a key\n');
  const tunnel = WireguardVxlanTunnel.parse({
    kind: 'wireguard-vxlan',
    port: 1,
    privateKeyFile: 'k',
    vni: 1,
    peers: { directory: dir },
  });
  const reported: string[] = [];
  assert.deepEqual(await wireguardPeerList(tunnel, (line) => reported.push(line)), [
    { name: 'r1', publicKey: r1 },
    { name: 'r2', publicKey: r2 },
  ]);
  assert.equal(reported.length, 1);
  assert.match(reported[0], /broken holds no WireGuard public key; skipped/);
  const listed = WireguardVxlanTunnel.parse({
    kind: 'wireguard-vxlan',
    port: 1,
    privateKeyFile: 'k',
    vni: 1,
    peers: [{ name: 'x', publicKey: r1 }],
  });
  assert.deepEqual(await wireguardPeerList(listed), [{ name: 'x', publicKey: r1 }]);
});
