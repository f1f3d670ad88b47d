// NodeSpec → the UML kernel's argv, from the parameter table (params.ts). parse() is its exact inverse.
import type { NodeSpec } from './schema.ts';
import { renderParams } from './params.ts';

export { renderInterface, vectorOptions } from './interfaces.ts';

export const render = (spec: NodeSpec): string[] => renderParams(spec);
