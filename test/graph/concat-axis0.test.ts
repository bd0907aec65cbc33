// concat along axis 0 (issue 20 leftovers). Of tensors without a batch (parameters, constants)
// it is a copy of whole blocks, its gradient dy cut back into them; of batch tensors it stays
// refused: the engine has one symbolic batch, and the result would hold 2 x batch samples, which
// no later op, loss or target could line up with (see src/README.md: the batch is never joined along).
// Hand-worked: a [2, 3] and a [1, 3] joined along 0 are [3, 3]; L = sum(y * R) gives dA = R's first
// two rows, dB its last; a 3-D case along 0 and 1 checks the block offsets.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, ops, parameter, valueAndGrad } from 'wasmnn';
import { expectCentralDifferences } from '../helpers/central-differences.js';

beforeAll(async () => {
  await init();
});

const seq = (n: number, from: number) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('concat along axis 0', () => {
  it('of parameters: values, gradients (the upstream gradient cut back), central differences', () => {
    const A = parameter([2, 3], seq(6, 1), 'a'), B = parameter([1, 3], seq(3, 7), 'b');
    const R = parameter([3, 3], Float32Array.from([1, -2, 3, 0.5, 4, -1, 2, 2, -3]), 'r');
    const y = ops.concat([A, B], 0);
    expect(y.shape).toEqual([3, 3]);
    const f = valueAndGrad(() => ops.sum(ops.mul(ops.concat([A, B], 0), R)));
    // L = 1*1 - 2*2 + 3*3 + 0.5*4 + 4*5 - 1*6 + 2*7 + 2*8 - 3*9 = 25
    expect(f()).toBe(25);
    expect(Array.from(R.grad)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(A.grad)).toEqual([1, -2, 3, 0.5, 4, -1]);
    expect(Array.from(B.grad)).toEqual([2, 2, -3]);
    expectCentralDifferences(f, [[A, 0], [A, 5], [B, 2]], 1e-5);
  });

  it('of rank-3 parameters, with a concat along 1 after it (block offsets)', () => {
    const A = parameter([1, 2, 2], seq(4, 1), 'a'), B = parameter([2, 2, 2], seq(8, 5), 'b'), C = parameter([3, 1, 2], seq(6, 13), 'c');
    const R = parameter([3, 3, 2], seq(18, -9), 'r');
    const f = valueAndGrad(() => ops.sum(ops.mul(ops.concat([ops.concat([A, B], 0), C], 1), R)));
    f();
    // y [3, 3, 2]: y[0] = [A[0]; C[0]], y[1] = [B[0]; C[1]], y[2] = [B[1]; C[2]].
    expect(Array.from(R.grad)).toEqual([1, 2, 3, 4, 13, 14, 5, 6, 7, 8, 15, 16, 9, 10, 11, 12, 17, 18]);
    expect(Array.from(A.grad)).toEqual([-9, -8, -7, -6]);
    expect(Array.from(B.grad)).toEqual([-3, -2, -1, 0, 3, 4, 5, 6]);
    expect(Array.from(C.grad)).toEqual([-5, -4, 1, 2, 7, 8]);
    expectCentralDifferences(f, [[A, 1], [B, 6], [C, 3]], 1e-5);
  });

  it('of batch tensors is refused, naming the op and the shape', () => {
    const x = input({ shape: [3] });
    expect(() => ops.concat([x, x], 0)).toThrow(/concat: axis 0 of \[batch, 3\] is the batch, whose size is known only when the graph runs/);
    expect(() => ops.concat([x, parameter([1, 3])], 0)).toThrow(/concat: axis 0 of \[batch, 3\] is the batch/);
    // A batch tensor after one without: refused too (it used to give a [0, 3] tensor).
    expect(() => ops.concat([parameter([1, 3]), x], 0)).toThrow(/concat: axis 0 of \[batch, 3\] is the batch/);
  });
});
