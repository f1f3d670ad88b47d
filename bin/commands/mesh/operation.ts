// The subcommands of the operations table (lib/mesh/operations.ts): each one's arguments and
// options come from its entry, its request goes to the mesh, its answer is printed by it.
import { rename, rm, writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { operations, type OperationCli, type OperationName, type RequestOf } from '../../../lib/mesh/index.ts';
import { jsonOption, output } from '../common.ts';
import { nameOption, request } from './shared.ts';

export function operationCommand(op: OperationName): Command | undefined {
  const { description, cli, print, exitCode } = operations[op] as unknown as {
    description: string;
    cli?: OperationCli<Record<string, unknown>>;
    print(reply: unknown, request: unknown): string;
    exitCode?(reply: unknown): number;
  };
  if (!cli) return undefined;
  const args = cli.args ?? [];
  const command = new Command(op).description(description).addOption(nameOption()).addOption(jsonOption());
  for (const arg of args) command.argument(arg.endsWith('…') ? `[${arg.slice(0, -1)}...]` : `<${arg}>`);
  if (args.some((a) => a.endsWith('…'))) command.passThroughOptions().allowUnknownOption();
  for (const o of cli.options ?? []) {
    const option = new Option(o.flags, o.description);
    if (o.number) option.argParser(Number);
    if (o.choices) option.choices(o.choices);
    if (o.default !== undefined) option.default(o.default);
    command.addOption(option);
  }
  if (cli.outputFile)
    command.option('-o, --output <file>', 'write it to FILE (whole, or not at all) instead of standard output');
  return command.action(async (...given: unknown[]) => {
    const options = given[args.length] as Record<string, unknown> & { name?: string; json?: boolean; output?: string };
    const named: Record<string, unknown> = { ...options };
    args.forEach((arg, i) => (named[arg.replace(/…$/, '')] = given[i]));
    delete named.name;
    delete named.json;
    delete named.output;
    const fields = cli.request ? cli.request(named) : named;
    const body = { op, ...fields } as RequestOf<typeof op>;
    const reply = await request(options, body);
    if (options.output)
      await writeWhole(options.output, `${options.json ? JSON.stringify(reply) : print(reply, body)}\n`);
    else output(options, reply ?? null, () => print(reply, body));
    if (exitCode) process.exitCode = exitCode(reply);
  });
}

/** Write beside the file, then rename over it: a failure leaves the old one (or none), never half. */
async function writeWhole(file: string, text: string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  try {
    await writeFile(partial, text);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
