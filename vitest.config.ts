import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Node 20 has relaxed SIMD only behind a flag; with it the relaxed build is tested too.
    execArgv: ['--experimental-wasm-relaxed-simd'],
  },
});
