// Two small chart kinds for bench/README.md, as plain SVG text (no plotting stack here).
const W = 640,
  H = 320,
  M = { left: 220, right: 40, top: 40, bottom: 50 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const frame = (title: string, body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n` +
  `<rect width="${W}" height="${H}" fill="white"/>\n<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>\n${body}</svg>\n`;

/** Horizontal bars: label → value, with the value printed at the bar's end. */
export function barChart(title: string, unit: string, bars: [string, number][]): string {
  const max = Math.max(...bars.map(([, v]) => v));
  const rowH = (H - M.top - M.bottom) / bars.length;
  const width = (v: number) => ((W - M.left - M.right - 60) * v) / max;
  const rows = bars.map(([label, v], i) => {
    const y = M.top + i * rowH;
    return (
      `<text x="${M.left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(label)}</text>` +
      `<rect x="${M.left}" y="${y + 4}" width="${width(v).toFixed(1)}" height="${(rowH - 8).toFixed(1)}" fill="#4a7ebb"/>` +
      `<text x="${M.left + width(v) + 6}" y="${y + rowH / 2 + 4}">${v.toPrecision(3)} ${esc(unit)}</text>`
    );
  });
  return frame(title, rows.join('\n'));
}

/** One line through points (x, y), both axes from 0, with the points labelled. */
export function lineChart(title: string, xLabel: string, yLabel: string, points: [number, number][]): string {
  const left = 70;
  const [maxX, maxY] = [Math.max(...points.map(([x]) => x)) * 1.05, Math.max(...points.map(([, y]) => y)) * 1.15];
  const px = (x: number) => left + ((W - left - M.right) * x) / maxX;
  const py = (y: number) => H - M.bottom - ((H - M.top - M.bottom) * y) / maxY;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<text x="${left - 6}" y="${py(f * maxY) + 4}" text-anchor="end">${(f * maxY).toFixed(0)}</text>` +
      `<line x1="${left}" x2="${W - M.right}" y1="${py(f * maxY)}" y2="${py(f * maxY)}" stroke="#ddd"/>`,
  );
  const path = points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
  const dots = points.map(
    ([x, y]) =>
      `<circle cx="${px(x)}" cy="${py(y)}" r="3.5" fill="#4a7ebb"/>` +
      `<text x="${px(x)}" y="${py(y) - 8}" text-anchor="middle">${x}: ${y.toFixed(0)}</text>`,
  );
  return frame(
    title,
    [
      ...ticks,
      `<line x1="${left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="black"/>`,
      `<text x="${(left + W - M.right) / 2}" y="${H - 15}" text-anchor="middle">${esc(xLabel)}</text>`,
      `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(yLabel)}</text>`,
      `<path d="${path}" fill="none" stroke="#4a7ebb" stroke-width="2"/>`,
      ...dots,
    ].join('\n'),
  );
}
