// lib/cmdline: zod instance specs ⇄ UML kernel command line (one schema, both ways).
export { NodeSpec, Interface, MeshSettings, Mac, DeviceName, meshKnobs, type NodeSpecInput } from './schema.ts';
export { render, renderInterface } from './render.ts';
export { interfacesOf } from './interfaces.ts';
export { parse, parseSpec, CmdlineError } from './parse.ts';
export { limits, checkCommandLine } from './limits.ts';
