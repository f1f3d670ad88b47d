// Every benchmark prints a short table, then its results as one JSON line.
export function printResults(name: string, results: Record<string, number | string>, goals: Record<string, number> = {}): void {
  const rows = Object.entries(results).map(([key, value]) => {
    const goal = goals[key];
    const shown = typeof value === 'number' ? Number(value.toPrecision(4)).toString() : value;
    return `  ${key.padEnd(28)} ${shown.padStart(10)}${goal === undefined ? '' : `   goal ≤ ${goal} ${typeof value === 'number' && value <= goal ? 'met' : 'MISSED'}`}`;
  });
  console.log(`${name}\n${rows.join('\n')}`);
  console.log(JSON.stringify({ bench: name, ...results }));
}
