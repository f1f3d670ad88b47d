// Link properties as tc netem arguments, applied in a node's guest to its hard interface
// (egress: each end shapes what it sends into the link).
import type { LinkProperties } from './topology.ts';

/** `tc` argv that gives `ifname` these properties; no properties → remove the qdisc. */
export function netemCommand(ifname: string, props: LinkProperties): string[] {
  const netem = [
    ...(props.delayMs !== undefined
      ? ['delay', `${props.delayMs}ms`, ...(props.jitterMs ? [`${props.jitterMs}ms`] : [])]
      : []),
    ...(props.lossPercent !== undefined ? ['loss', `${props.lossPercent}%`] : []),
    ...(props.rateMbit !== undefined ? ['rate', `${props.rateMbit}mbit`] : []),
  ];
  return netem.length
    ? ['qdisc', 'replace', 'dev', ifname, 'root', 'netem', ...netem]
    : ['qdisc', 'del', 'dev', ifname, 'root'];
}

/** The properties part of a link. */
export function propertiesOf(link: LinkProperties): LinkProperties {
  const { lossPercent, delayMs, jitterMs, rateMbit } = link;
  return Object.fromEntries(
    Object.entries({ lossPercent, delayMs, jitterMs, rateMbit }).filter(([, v]) => v !== undefined),
  );
}
