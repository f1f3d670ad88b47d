// batu respondd query ADDR | --multicast IFACE: ask respondd (what Gluon's
// gluon-neighbour-info does): each answer's node, or --json for the whole answers.
import { InvalidArgumentError, Option } from 'commander';
import { queryRespondd, SECTIONS, type ResponddAnswer, type Section } from '../../lib/respondd/index.ts';
import { shown } from '../../lib/issues.ts';
import { jsonOption, output, type Register } from './common.ts';

interface QueryCommandOptions {
  multicast?: string;
  site?: boolean;
  sections: Section[];
  wait: number;
  port: number;
  json?: boolean;
}

const number = (what: string, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0 || n > max)
    throw new InvalidArgumentError(`expected ${what} up to ${max}, got ${shown(value)}`);
  return n;
};

const sectionList = (value: string): Section[] => {
  const asked = value.split(',');
  const bad = asked.find((s) => !(SECTIONS as readonly string[]).includes(s));
  if (bad) throw new InvalidArgumentError(`expected sections from ${SECTIONS.join(', ')}, got ${shown(bad)}`);
  return asked as Section[];
};

/** One line per answering node. */
function describe(answer: ResponddAnswer): string {
  const info = (answer.data.nodeinfo ?? {}) as { node_id?: string; hostname?: string; vpn?: boolean };
  const stats = (answer.data.statistics ?? {}) as { clients?: { total?: number } };
  const neighbours = (answer.data.neighbours ?? {}) as { batadv?: Record<string, { neighbours?: object }> };
  const links = Object.values(neighbours.batadv ?? {}).reduce((n, i) => n + Object.keys(i.neighbours ?? {}).length, 0);
  return `${answer.from}: ${info.node_id ?? '?'} ${info.hostname ?? '?'}${info.vpn ? ' (gateway)' : ''}, ${
    stats.clients?.total ?? 0
  } clients, ${links} neighbours`;
}

export const register: Register = (program) => {
  const respondd = program.command('respondd').description("respondd, how nodes appear on a community's map");
  respondd
    .command('query')
    .description("ask respondd: a node's address, or every node on an interface (--multicast)")
    .argument('[address]', "a node's IPv6 address (fe80::…%IFACE for a link-local one)")
    .option('--multicast <iface>', 'ask ff02::2:1001 on this interface (with --site: ff05::2:1001)')
    .option('--site', 'the site-wide group instead of the link-local one')
    .addOption(
      new Option('--sections <list>', 'which sections')
        .argParser(sectionList)
        .default([...SECTIONS], SECTIONS.join(',')),
    )
    .addOption(
      new Option('--wait <seconds>', 'how long to wait for answers').argParser(number('seconds', 60)).default(3),
    )
    .addOption(new Option('--port <port>', 'the respondd port').argParser(number('a port', 65535)).default(1001))
    .addOption(jsonOption())
    .action(async (address: string | undefined, options: QueryCommandOptions) => {
      if (!address === !options.multicast)
        throw new Error('respondd query: give an address or --multicast IFACE (one of them)');
      const answers = await queryRespondd({
        address,
        interface: options.multicast,
        site: options.site,
        sections: options.sections,
        port: options.port,
        waitMs: options.wait * 1000,
      });
      output(options, answers, () => (answers.length ? answers.map(describe).join('\n') : 'no answer'));
      if (!answers.length) process.exitCode = 1;
    });
};
