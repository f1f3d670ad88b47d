// The error every part of lib/cmdline throws for a spec or command line it refuses.
export class CmdlineError extends Error {}
