// A grouped bar chart (SVG) of GFLOP/s: one group per shape and variant, one bar per contender.
const COLORS = ['#1f77b4', '#2ca02c', '#7f7f7f', '#d62728', '#ff7f0e', '#9467bd'];
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function gflopsChart(rows, { title = 'GEMM, single thread (GFLOP/s, higher is better)' } = {}) {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => k !== 'shape' && k !== 'variant')))];
  const max = Math.max(...rows.flatMap((r) => names.map((n) => r[n] ?? 0)));
  const bw = 12, gap = 18, left = 50, top = 40, h = 260;
  const gw = names.length * bw + gap;
  const width = left + rows.length * gw + 20 + 170;
  const y = (v) => top + h - (v / max) * h;
  const parts = [`<text x="${left}" y="20" font-weight="bold">${esc(title)}</text>`];
  for (let t = 0; t <= max; t += 10) parts.push(`<line x1="${left}" x2="${left + rows.length * gw}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  rows.forEach((r, g) => {
    const x0 = left + g * gw + gap / 2;
    names.forEach((n, k) => {
      if (r[n] === undefined) return;
      parts.push(`<rect x="${x0 + k * bw}" y="${y(r[n]).toFixed(1)}" width="${bw - 1}" height="${(top + h - y(r[n])).toFixed(1)}" fill="${COLORS[k % COLORS.length]}"><title>${esc(n)}: ${r[n].toFixed(1)}</title></rect>`);
    });
    parts.push(`<text transform="translate(${x0 + (names.length * bw) / 2} ${top + h + 12}) rotate(35)" font-size="10">${esc(`${r.shape} ${r.variant}`)}</text>`);
  });
  names.forEach((n, k) => parts.push(`<rect x="${width - 160}" y="${top + k * 18}" width="12" height="12" fill="${COLORS[k % COLORS.length]}"/><text x="${width - 142}" y="${top + k * 18 + 10}">${esc(n)}</text>`));
  const height = top + h + 90;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}
