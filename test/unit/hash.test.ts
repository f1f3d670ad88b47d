import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base32,
  canonical,
  derivation,
  derivationIdentity,
  hashInput,
  sha256,
  tree,
  debPackage,
  url,
} from '../../lib/derivations/index.ts';
import { textDerivation } from '../fixtures/store-helpers.ts';

const tools = [{ command: 'gcc', path: '/usr/bin/gcc', package: 'gcc-12', version: '12.2.0-14' }];

test('canonical serialization sorts keys at every depth and drops undefined', () => {
  assert.equal(canonical({ b: 1, a: [2, { d: 3, c: 4 }], u: undefined }), '{"a":[2,{"c":4,"d":3}],"b":1}');
});

test('base32 uses the store alphabet, 32 characters for 160 bits', () => {
  assert.equal(base32('0'.repeat(64)), '0'.repeat(32));
  assert.equal(base32('f'.repeat(64)), 'z'.repeat(32));
  // Most significant first, 5 bits a character: 1 is the last digit, 32 carries into the one before.
  assert.equal(base32(`${'0'.repeat(39)}1${'0'.repeat(24)}`), `${'0'.repeat(31)}1`);
  assert.equal(base32(`${'0'.repeat(38)}20${'0'.repeat(24)}`), `${'0'.repeat(30)}10`);
  assert.equal(base32(`${'0'.repeat(40)}${'f'.repeat(24)}`), '0'.repeat(32), 'only the first 160 bits count');
  assert.equal(
    base32(`${'0'.repeat(39)}f${'0'.repeat(24)}`),
    `${'0'.repeat(31)}g`,
    "15 is 'g': e is not in the alphabet",
  );
  assert.match(base32(sha256('batu')), /^[0-9a-df-np-sv-z]{32}$/);
});

test('golden: the identity and hash of a fixed derivation', () => {
  const drv = derivation({ name: 'golden', version: '1', builder: 'mkdir $out', env: { B: '2', A: '1' } });
  const identity = derivationIdentity(drv, tools, { src: 'ab'.repeat(32) });
  const text = canonical(identity);
  assert.equal(text.slice(0, 70), '{"builder":"mkdir $out","env":{"A":"1","B":"2"},"inputs":{"src":"ababa');
  assert.match(text, /"tools":\["gcc=gcc-12=12.2.0-14"\],"type":"derivation","version":"1"\}$/);
  // Pinned: a change to the serialization or to the builders' prelude must be deliberate
  // (it rebuilds every path); update this value in the same commit.
  assert.equal(sha256(text), '5e60b220666928f296968ab797ea973b88f7195969df67ab5dd7e9c8434d3b6f');
});

test('golden: fixed-output sources hash by their declared sha256 only', async () => {
  const sha = 'ab'.repeat(32);
  assert.equal(
    await hashInput(url({ url: 'https://example.org/x-1.tar.gz', sha256: sha })),
    sha256(canonical({ name: 'x-1.tar.gz', sha256: sha, type: 'file' })),
  );
  assert.equal(
    await hashInput(tree({ name: 'x', sha256: sha, from: '/nowhere' })),
    await hashInput(tree({ name: 'x', sha256: sha })),
    'where a tree comes from is not part of its identity',
  );
  assert.equal(
    await hashInput(debPackage({ package: 'p', version: '1-1', sha256: sha })),
    'cd50b8feed043bf6f24de6433c668486ed71a5952b51b5ac675df93f9fa337ba',
  );
});

test('key order does not change the hash', async () => {
  const a = derivation({ name: 'k', version: '1', builder: 'true', env: { X: '1', Y: '2' } });
  const b = derivation({ version: '1', env: { Y: '2', X: '1' }, builder: 'true', name: 'k' });
  assert.equal(await hashInput(a), await hashInput(b));
});

test('any change to a derivation or to an input deep in its graph changes the hash', async () => {
  const base = { name: 'k', version: '1', builder: 'true', env: { X: '1' } };
  const leaf = textDerivation('leaf', 'one');
  const h = (d: Parameters<typeof derivation>[0]) => hashInput(derivation(d));
  const original = await h({ ...base, inputs: { dep: textDerivation('mid', 'm', { leaf }) } });
  const variants: Parameters<typeof derivation>[0][] = [
    { ...base, name: 'k2' },
    { ...base, version: '2' },
    { ...base, builder: 'true ' },
    { ...base, env: { X: '2' } },
    { ...base, tools: ['gcc'] },
    { ...base, inputs: { dep: textDerivation('mid', 'm', { leaf: textDerivation('leaf', 'two') }) } },
    { ...base, inputs: { other: textDerivation('mid', 'm', { leaf }) } },
  ];
  const hashes = await Promise.all(variants.map(h));
  for (const [i, hash] of hashes.entries()) assert.notEqual(hash, original, `variant ${i} should change the hash`);
  assert.equal(new Set(hashes).size, hashes.length);
  // meta is not part of the identity
  assert.equal(
    await h({ ...base, inputs: { dep: textDerivation('mid', 'm', { leaf }) }, meta: { description: 'x' } }),
    original,
  );
});

test('bad recipe data gets an error naming the field and the value', () => {
  assert.throws(() => derivation({ name: 'bad name!', version: '1', builder: 'true' }), /name: .*got "bad name!"/);
  assert.throws(() => derivation({ name: 'x', version: '1', builder: '' }), /builder: a builder script is required/);
  assert.throws(
    () => derivation({ name: 'x', version: '1', builder: 'true', env: { 'no-dash': 'v' } }),
    /env.*no-dash/,
  );
  assert.throws(
    () => debPackage({ package: 'p', version: '1', sha256: 'abc' }),
    /sha256: expected 64 lowercase hex digits.*got "abc"/,
  );
  assert.throws(
    () => derivation({ name: 'x', version: '1', builder: 'true', inputs: { src: { type: 'nope' } as never } }),
    /inputs\.src: expected a derivation or a source/,
  );
});
