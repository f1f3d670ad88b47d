// lib/sim: meshes in simulated time. One calendar (simcal) owns every node's clock and every
// frame, so a scenario with a seed replays exactly, and an idle mesh runs faster than real time.
export { Calendar, type LinkModel, type RunStats } from './calendar.ts';
export { SimMesh, linkModel, formatNs, NS_PER_MS, NS_PER_S, type SimOptions } from './sim-mesh.ts';
export { Scenario, Action, Duration, schedule, parseWords, type ScenarioInput, type Step } from './scenario.ts';
export { runScenario, parsePing, type LogEntry, type RunOptions } from './run.ts';
export { SimError, SimTimeoutError, SimNodeError } from './errors.ts';
