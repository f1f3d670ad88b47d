// respondd: how a Freifunk node appears on its community's map (protocol.ts), answered on
// the clients' side only (responder.ts), and asked (query.ts).
export * from './protocol.ts';
export {
  Responder,
  type ResponddSide,
  type ResponderCounters,
  type ResponderOptions,
  type RateLimit,
} from './responder.ts';
export { queryRespondd, type QueryOptions, type ResponddAnswer } from './query.ts';
