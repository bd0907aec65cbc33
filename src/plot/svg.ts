// SVG primitives shared by the plots: axes with "nice" ticks, escaping, number formatting.

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(+v.toPrecision(4)));

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

export function axes(f: Frame, xs: [number, number], ys: [number, number], labels: { x?: string; y?: string; title?: string }): { sx: (v: number) => number; sy: (v: number) => number; svg: string } {
  const sx = scale(xs[0], xs[1], f.left, f.width - f.right);
  const sy = scale(ys[0], ys[1], f.height - f.bottom, f.top);
  const parts: string[] = [];
  const x0 = f.left, x1 = f.width - f.right, y0 = f.height - f.bottom, y1 = f.top;
  parts.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#444"/>`);
  for (const t of ticks(xs[0], xs[1])) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 4}" stroke="#444"/><text x="${x}" y="${y0 + 16}" text-anchor="middle">${esc(fmt(t))}</text>`);
  }
  for (const t of ticks(ys[0], ys[1])) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${x0 - 4}" y1="${y}" x2="${x0}" y2="${y}" stroke="#444"/><text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(fmt(t))}</text>`);
  }
  if (labels.x) parts.push(`<text x="${(x0 + x1) / 2}" y="${f.height - 6}" text-anchor="middle">${esc(labels.x)}</text>`);
  if (labels.y) parts.push(`<text transform="translate(14 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${esc(labels.y)}</text>`);
  if (labels.title) parts.push(`<text x="${(x0 + x1) / 2}" y="${f.top - 10}" text-anchor="middle" font-weight="bold">${esc(labels.title)}</text>`);
  return { sx, sy, svg: parts.join('') };
}

export function document(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>${body}</svg>\n`;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
