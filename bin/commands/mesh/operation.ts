// The subcommands of the operations table (lib/mesh/operations.ts): each one's arguments and
// options come from its entry, its request goes to the mesh, its answer is printed by it.
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
  return command.action(async (...given: unknown[]) => {
    const options = given[args.length] as Record<string, unknown> & { name?: string; json?: boolean };
    const named: Record<string, unknown> = { ...options };
    args.forEach((arg, i) => (named[arg.replace(/…$/, '')] = given[i]));
    delete named.name;
    delete named.json;
    const fields = cli.request ? cli.request(named) : named;
    const body = { op, ...fields } as RequestOf<typeof op>;
    const reply = await request(options, body);
    output(options, reply ?? null, () => print(reply, body));
    if (exitCode) process.exitCode = exitCode(reply);
  });
}
