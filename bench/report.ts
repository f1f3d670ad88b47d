// Every benchmark prints a short table, then its results as one JSON line.
/** A goal: a number is an upper bound (≤), { atLeast } a lower one. */
export type Goal = number | { atLeast: number };

export function printResults(
  name: string,
  results: Record<string, number | string>,
  goals: Record<string, Goal> = {},
): void {
  const rows = Object.entries(results).map(([key, value]) => {
    const goal = goals[key];
    const shown = typeof value === 'number' ? Number(value.toPrecision(4)).toString() : value;
    if (goal === undefined) return `  ${key.padEnd(28)} ${shown.padStart(10)}`;
    const [sign, bound, met] =
      typeof goal === 'number'
        ? ['≤', goal, typeof value === 'number' && value <= goal]
        : ['≥', goal.atLeast, typeof value === 'number' && value >= goal.atLeast];
    return `  ${key.padEnd(28)} ${shown.padStart(10)}   goal ${sign} ${bound} ${met ? 'met' : 'MISSED'}`;
  });
  console.log(`${name}\n${rows.join('\n')}`);
  console.log(JSON.stringify({ bench: name, ...results }));
}
