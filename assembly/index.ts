// Re-exports only: one file per kernel family.
export function heap_base(): usize {
  return __heap_base;
}
