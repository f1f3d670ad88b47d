// The mesh a page shows, reached by name through its control socket: the requests the CLI sends.
import { meshRequest } from '../control.ts';
import type { MeshRequest } from '../operations.ts';
import type { WebSource } from './server.ts';

export const controlSource = (name: string): WebSource => ({
  snapshot: ({ routes }) => meshRequest(name, { op: 'snapshot', routes }),
  // A page's request is one of the CLI's (PageRequest's operations are in the table).
  request: (request) => meshRequest(name, request as MeshRequest as Parameters<typeof meshRequest>[1]),
});
