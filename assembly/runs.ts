// Runs of n contiguous f32 (a pixel's channels, a kernel row's taps): zero, copy, add. Sixteen
// floats a step (four v128), then four, then a scalar tail. Any 4-byte alignment. Copies move bits
// (u32 in the tail), so NaN payloads survive. Not exported from the module.
// NOTE: a v128 loop, not memory.copy/fill: the runs here are a few to a few hundred floats, where
// V8's bulk-memory call costs more than the copy. im2col of the MNIST CNN's shapes (batch 128, 3x3)
// with memory.copy/fill instead, Zen 5, best of 80: runs of 3 floats 1.03 ms against 0.50, of 48
// 0.29 against 0.22, of 96 0.027 against 0.029.

@inline export function zeroRun(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let k = 0;
  for (; k + 16 <= n; k += 16) {
    const d = dst + (<usize>k << 2);
    v128.store(d, z);
    v128.store(d, z, 16);
    v128.store(d, z, 32);
    v128.store(d, z, 48);
  }
  for (; k + 4 <= n; k += 4) v128.store(dst + (<usize>k << 2), z);
  for (; k < n; k++) store<u32>(dst + (<usize>k << 2), 0);
}

@inline export function copyRun(dst: usize, src: usize, n: i32): void {
  let k = 0;
  for (; k + 16 <= n; k += 16) {
    const d = dst + (<usize>k << 2);
    const s = src + (<usize>k << 2);
    const a = v128.load(s), b = v128.load(s, 16), c = v128.load(s, 32), e = v128.load(s, 48);
    v128.store(d, a);
    v128.store(d, b, 16);
    v128.store(d, c, 32);
    v128.store(d, e, 48);
  }
  for (; k + 4 <= n; k += 4) v128.store(dst + (<usize>k << 2), v128.load(src + (<usize>k << 2)));
  for (; k < n; k++) store<u32>(dst + (<usize>k << 2), load<u32>(src + (<usize>k << 2)));
}

// dst[k] += src[k], each one f32 addition (the same in the vector and the scalar part).
@inline export function addRun(dst: usize, src: usize, n: i32): void {
  let k = 0;
  for (; k + 16 <= n; k += 16) {
    const d = dst + (<usize>k << 2);
    const s = src + (<usize>k << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(s)));
    v128.store(d, f32x4.add(v128.load(d, 16), v128.load(s, 16)), 16);
    v128.store(d, f32x4.add(v128.load(d, 32), v128.load(s, 32)), 32);
    v128.store(d, f32x4.add(v128.load(d, 48), v128.load(s, 48)), 48);
  }
  for (; k + 4 <= n; k += 4) {
    const d = dst + (<usize>k << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>k << 2))));
  }
  for (; k < n; k++) {
    const d = dst + (<usize>k << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>k << 2)));
  }
}
