// Re-exports only: one file per kernel family.
export function heap_base(): usize {
  return __heap_base;
}
export * from './gemm';
export * from './reduce';
export * from './activations';
export * from './losses';
export * from './rng';
export * from './optim';
export * from './norm';
export * from './elementwise';
export * from './conv';
export * from './pool';
export * from './permute';
export * from './lookup';
export * from './layernorm';
export { attention_f32, attention_backward_f32 } from './attention'; // not its forwardUnit, which attention-decode shares
export * from './attention-decode';
export * from './extrema';
