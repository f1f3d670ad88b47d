// Hashing: canonical serialization, sha256 and the store's base32.
import { createHash } from 'node:crypto';

/**
 * Canonical serialization: JSON with the keys of every object sorted by UTF-16 code
 * units, no whitespace, `undefined` members dropped. Arrays keep their order.
 * Example: canonical({ b: 1, a: [2, { d: 3, c: 4 }] }) === '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// Nix's alphabet: digits and lowercase letters without e, o, u, t (no accidental words).
const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';

/** The first 160 bits of a hex digest as 32 base32 characters, most significant first. */
export function base32(hexDigest: string): string {
  let bits = BigInt('0x' + hexDigest.slice(0, 40));
  let out = '';
  for (let i = 0; i < 32; i++) {
    out = alphabet[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}
