export function heap_base(): usize { return __heap_base; }
export function probe(a: f32): f32 { return Mathf.exp(a) + <f32>ASC_FEATURE_RELAXED_SIMD; }
