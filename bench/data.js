// Deterministic benchmark inputs (no RNG of the library's, so every contender sees the same data).
export const rand = (n, seed = 0) => Float32Array.from({ length: n }, (_, i) => Math.sin((i + seed) * 12.9898) * 0.5);
