// Where each kernel file's scratch lives (GEMM's packing panels, the 4-lane tail slots).
// The single-threaded builds keep it in static data. The threaded build (ASC_FEATURE_THREADS)
// shares its static data between threads, since all instances run over one shared memory, so
// there each instance is given a block of its own at instantiation (the immutable import
// env.scratch, SCRATCH_BYTES long, 64-byte aligned) and each area sits at a fixed offset in it.
// Each file declares its area as
//   const X: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_X : memory.data(X_BYTES, align);
// which the compiler folds: the single-threaded builds keep their static constants unchanged.

@external("env", "scratch") export declare const SCRATCH_BASE: usize;

export const PACK_A_BYTES: i32 = 128 * 256 * 4 + (128 >> 2) * 64; // gemm/packing.ts: PMC x PKC panels + a line each
export const PACK_B_BYTES: i32 = 256 * 512 * 4 + (512 >> 3) * 64; // gemm/packing.ts: PKC x PNC panels + a line each
export const TILE_BYTES: i32 = 32 * 4;
export const NARROW_BYTES: i32 = 256 * 16; // gemm/packing.ts: KC rows of four floats
export const PERIOD_BYTES: i32 = 256 * 16; // reduce.ts: PERIOD_COLS vectors
export const ACT_TAIL_BYTES: i32 = 16;
export const LOSS_LANES_BYTES: i32 = 48;
export const OPTIM_TAIL_BYTES: i32 = 16 * 6;
export const RNG_ONE_BYTES: i32 = 4;
export const ELEM_SLOTS_BYTES: i32 = 16 * 3; // elementwise.ts: the splat slots of two operands and a scale
// attention.ts: tiles of ATTN_BQ queries x ATTN_BK keys, head dimensions up to ATTN_DMAX; five
// [BK, DMAX] panels (K^T, V^T, K, dK, dV), three [BQ, DMAX] (Q, dO, dQ), three [BQ, BK] (S, dS,
// P^T) and two [BQ] rows (running max and sum, or D).
export const ATTN_BQ: i32 = 32;
export const ATTN_BK: i32 = 64;
export const ATTN_DMAX: i32 = 128;
export const ATTN_BYTES: i32 = (5 * ATTN_BK * ATTN_DMAX + 3 * ATTN_BQ * ATTN_DMAX + 3 * ATTN_BQ * ATTN_BK + 2 * ATTN_BQ) * 4;

export const S_PACK_A: usize = 0;
export const S_PACK_B: usize = S_PACK_A + PACK_A_BYTES;
export const S_TILE: usize = S_PACK_B + PACK_B_BYTES;
export const S_NARROW: usize = S_TILE + TILE_BYTES;
export const S_PERIOD: usize = S_NARROW + NARROW_BYTES;
export const S_ACT_TAIL: usize = S_PERIOD + PERIOD_BYTES;
export const S_LOSS_LANES: usize = S_ACT_TAIL + 16;
export const S_OPTIM_TAIL: usize = S_LOSS_LANES + 48;
export const S_RNG_ONE: usize = S_OPTIM_TAIL + 96;
export const S_ELEM_SLOTS: usize = S_RNG_ONE + 16;
export const S_ATTN: usize = (S_ELEM_SLOTS + ELEM_SLOTS_BYTES + 63) & ~63;
export const SCRATCH_BYTES: usize = (S_ATTN + ATTN_BYTES + 63) & ~63;
