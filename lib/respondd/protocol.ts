// respondd, the way a Freifunk node appears on the community's map: a UDP request on port
// 1001 (to ff05::2:1001, ff02::2:1001 or a node's address) names sections; the answer is
// their JSON. `GET nodeinfo statistics neighbours` is answered with one raw DEFLATE stream
// (no zlib header) of {"nodeinfo":…,"statistics":…,"neighbours":…}; a bare section name with
// that section's plain JSON (the older form). Collectors read datagrams up to 8192 bytes.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export const RESPONDD_PORT = 1001;
export const RESPONDD_GROUPS = { site: 'ff05::2:1001', link: 'ff02::2:1001' } as const;
export const SECTIONS = ['nodeinfo', 'statistics', 'neighbours'] as const;
export type Section = (typeof SECTIONS)[number];
/** What a collector reads at most; a bigger answer would be cut. */
export const MAX_DATAGRAM = 8192;

export interface Request {
  sections: Section[];
  /** GET: all sections in one compressed answer; else one section, plain. */
  compressed: boolean;
}

/** A request's sections, or undefined for anything that is not one (ignored, never answered). */
export function parseRequest(datagram: Buffer): Request | undefined {
  if (datagram.length > 256) return undefined;
  const text = datagram.toString('latin1').trim();
  const get = /^GET((?: [a-z]+)+)$/.exec(text);
  if (get) {
    const asked = get[1].trim().split(' ');
    const sections = SECTIONS.filter((s) => asked.includes(s));
    return sections.length ? { sections, compressed: true } : undefined;
  }
  return (SECTIONS as readonly string[]).includes(text)
    ? { sections: [text as Section], compressed: false }
    : undefined;
}

export function encodeRequest(sections: readonly Section[] = SECTIONS): Buffer {
  return Buffer.from(`GET ${sections.join(' ')}`);
}

/** The answer to a request, from every section's data. */
export function encodeReply(request: Request, data: Partial<Record<Section, unknown>>): Buffer {
  if (!request.compressed) return Buffer.from(JSON.stringify(data[request.sections[0]] ?? {}));
  const picked = Object.fromEntries(request.sections.map((s) => [s, data[s] ?? {}]));
  return deflateRawSync(JSON.stringify(picked));
}

/** An answer's JSON: a raw DEFLATE stream, or plain JSON (the older form). */
export function decodeReply(datagram: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = inflateRawSync(datagram, { maxOutputLength: 1 << 20 }).toString('utf8');
  } catch {
    text = datagram.toString('utf8');
  }
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}
