// zod's issues as text, in one place: each as `path: message`, the path of the bad field
// (or `top` for the value as a whole), optionally with the value found there.
import type { z } from 'zod';

export interface IssueFormat {
  /** What the whole value is called when an issue is about it (default "(top)"). */
  top?: string;
  /** Before each path, e.g. "--" for command-line options. */
  prefix?: string;
  /** Between issues (default "; "). */
  separator?: string;
  /** The data parsed: each issue then names the value it found (got …). */
  data?: unknown;
  /** Only the first issue. */
  first?: boolean;
}

export function formatIssues(error: z.ZodError, options: IssueFormat = {}): string {
  const { top = '(top)', prefix = '', separator = '; ', data, first } = options;
  const issues = first ? error.issues.slice(0, 1) : error.issues;
  return issues
    .map((issue) => {
      const field = `${prefix}${issue.path.map(String).join('.') || top}`;
      const value =
        data === undefined
          ? undefined
          : issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)?.[k], data);
      const got = value === undefined ? '' : ` (got ${shown(value)})`;
      return `${field ? `${field}: ` : ''}${issue.message}${got}`;
    })
    .join(separator);
}

/** A value as an error shows it: JSON, cut to 80 characters (a 1 MB name is not echoed whole). */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 80 ? text : `${text.slice(0, 60)}… (${text.length} characters)`;
}

/** A name as an error shows it: bare when it is a plain name, else as {@link shown}. */
export function shownName(name: string): string {
  return /^[\w.:@+-]{1,64}$/.test(name) ? name : shown(name);
}
