// The run and state directories every gateway command that meets the daemons takes: one
// definition, so their defaults never drift apart.
import { Option } from 'commander';
import { DEFAULT_RUN_DIR, DEFAULT_STATE_DIR } from '../../../lib/gateway/index.ts';

export const runDirOption = (what = 'sockets, configurations and run-time files') =>
  new Option('--run-dir <dir>', what).default(DEFAULT_RUN_DIR);
export const stateDirOption = () =>
  new Option('--state-dir <dir>', "what outlives a restart (kea's leases)").default(DEFAULT_STATE_DIR);
