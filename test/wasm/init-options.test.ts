// init(): the plain-SIMD build by default even where relaxed SIMD validates (vitest runs Node with
// --experimental-wasm-relaxed-simd), relaxed only when asked; its options are checked.
import { describe, expect, it } from 'vitest';
import { init, relaxedSimdSupported } from 'wasmnn';

describe('init', () => {
  it('loads the plain build by default, the relaxed one only on request, and keeps the runtime on a bare init()', async () => {
    expect(relaxedSimdSupported()).toBe(true); // else the default would be plain for want of a choice
    expect((await init()).build).toBe('plain');
    expect((await init({ simd: 'relaxed' })).build).toBe('relaxed');
    expect((await init()).build).toBe('relaxed'); // a second init() keeps the runtime models live on
    expect((await init(undefined, { simd: 'plain' })).build).toBe('plain');
    expect((await init({ simd: 'auto' })).build).toBe('plain'); // auto keeps what is loaded
  });
  it('refuses an unknown option or a bad simd value, naming it', async () => {
    await expect(init({ simd: 'fast' } as never)).rejects.toThrow(/init: simd must be 'plain', 'relaxed' or 'auto', got 'fast'/);
    await expect(init({ sims: 'plain' } as never)).rejects.toThrow(/init: unknown option 'sims'; use 'simd'/);
    await expect(init(undefined, { simd: 'plain', verbose: true } as never)).rejects.toThrow(/unknown option 'verbose'. Known options: simd/);
    await expect(init(undefined, 'plain' as never)).rejects.toThrow(/init takes an options object, got string plain/);
  });
});
