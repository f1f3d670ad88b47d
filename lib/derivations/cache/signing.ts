// Signing store paths with ed25519 (node's crypto), as Nix does: a key is `NAME:base64`,
// a signature `NAME:base64`, over a fingerprint that pins the path's name and content.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { canonical, sha256 } from '../model/hash.ts';
import type { Manifest } from '../store/manifest.ts';

export class KeyError extends Error {}

const keyName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** What a signature covers: a path's name, and its content by hashes and references. */
export interface Signed {
  name: string;
  /** sha256 of the manifest's canonical JSON: every file's sha256, mode and size. */
  manifestHash: string;
  drvHash: string;
  treeHash: string;
  references: string[];
}

/** The string a signature signs. A change to any field (of the path or its metadata) changes it. */
export function fingerprint({ name, manifestHash, drvHash, treeHash, references }: Signed): string {
  return `batu-1;${name};${manifestHash};${drvHash};${treeHash};${references.join(',')}`;
}

/** The fingerprint of a path from its manifest and .drv text. */
export function fingerprintOf(name: string, manifest: Manifest, drvText: string): string {
  return fingerprint({
    name,
    manifestHash: manifestHash(manifest),
    drvHash: sha256(drvText),
    treeHash: manifest.treeHash,
    references: manifest.references,
  });
}

export const manifestHash = (manifest: Manifest) => sha256(canonical(manifest));

export interface SecretKey {
  name: string;
  key: KeyObject;
}

/** A trusted public key: its name and the key. */
export interface PublicKey {
  name: string;
  key: KeyObject;
  text: string;
}

/** Write PREFIX.sec (0600) and PREFIX.pub; returns the public key as `NAME:base64`. */
export async function generateKeyPair(name: string, prefix: string): Promise<string> {
  if (!keyName.test(name)) throw new KeyError(`bad key name ${JSON.stringify(name)}: use letters, digits, . _ -`);
  for (const file of [`${prefix}.sec`, `${prefix}.pub`])
    if (existsSync(file)) throw new KeyError(`${file} exists already: not overwriting a key`);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const pub = `${name}:${raw.toString('base64')}`;
  const sec = `${name}:${privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')}`;
  await mkdir(dirname(prefix), { recursive: true });
  await writeFile(`${prefix}.sec`, sec + '\n', { mode: 0o600, flag: 'wx' });
  await writeFile(`${prefix}.pub`, pub + '\n', { flag: 'wx' });
  return pub;
}

/** Read a secret key file written by generateKeyPair. */
export function readSecretKey(file: string): SecretKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new KeyError(`cannot read the secret key ${file} (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const [name, data] = splitKey(text, `the secret key ${file}`);
  try {
    return { name, key: createPrivateKey({ key: Buffer.from(data, 'base64'), format: 'der', type: 'pkcs8' }) };
  } catch {
    throw new KeyError(`${file} is not an ed25519 secret key of batu's (batu store keygen writes one)`);
  }
}

/** Parse a public key `NAME:base64`, or read one from a .pub file. */
export function parsePublicKey(given: string): PublicKey {
  const text = !given.includes(':') && existsSync(given) ? readFileSync(given, 'utf8').trim() : given.trim();
  const [name, data] = splitKey(text, `the public key ${JSON.stringify(given)}`);
  const raw = Buffer.from(data, 'base64');
  if (raw.length !== 32) throw new KeyError(`the public key ${JSON.stringify(given)} is not 32 bytes of ed25519`);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return { name, key, text };
}

function splitKey(text: string, what: string): [string, string] {
  const at = text.indexOf(':');
  const [name, data] = [text.slice(0, at), text.slice(at + 1)];
  if (at < 0 || !keyName.test(name) || !base64.test(data)) throw new KeyError(`${what} is not NAME:base64`);
  return [name, data];
}

export function signFingerprint(fp: string, secret: SecretKey): string {
  return `${secret.name}:${sign(null, Buffer.from(fp), secret.key).toString('base64')}`;
}

/**
 * Which trusted key signed `fp` among `signatures`; otherwise why none counts: unsigned,
 * signed only by keys not trusted here, or a trusted key's signature that does not hold.
 */
export function checkSignatures(
  fp: string,
  signatures: string[],
  trusted: PublicKey[],
): { ok: true; key: string } | { ok: false; reason: string } {
  if (!signatures.length) return { ok: false, reason: 'it is unsigned' };
  const untrusted: string[] = [];
  for (const signature of signatures) {
    const at = signature.indexOf(':');
    const name = signature.slice(0, at);
    const keys = trusted.filter((k) => k.name === name);
    if (!keys.length) {
      untrusted.push(name || '(nameless)');
      continue;
    }
    const bytes = Buffer.from(signature.slice(at + 1), 'base64');
    if (keys.some((k) => verify(null, Buffer.from(fp), k.key, bytes))) return { ok: true, key: name };
    return { ok: false, reason: `its signature by the trusted key ${name} does not match its content` };
  }
  return {
    ok: false,
    reason: `it is signed only by keys not trusted here (${[...new Set(untrusted)].join(', ')})${trusted.length ? '' : '; no key is trusted: give --trusted-keys or BATU_TRUSTED_KEYS'}`,
  };
}
