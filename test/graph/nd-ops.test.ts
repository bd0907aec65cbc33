// The N-d ops (issue #20) against PyTorch float64 (nd-ops.json, tools/golden/nd_ops.py): each case
// is a small program of ops over its inputs; L = sum(out * dy) through valueAndGrad. Checked:
//   value L and out (the gradient of dy is out): |got - want| <= 1e-5 * |want| + 1e-5;
//   every input gradient, the same tolerance;
//   the same gradients against the engine's own central differences at three entries of each
//   input (h = 0.05; |fd - g| <= 3e-3 * (1 + |g|): the ops are linear in each input but softmax,
//   whose truncation error at h = 0.05 is below 5e-4 here);
//   the inputs listed in the case's `batch` fed as a batch (input() data), the other gradients
//   and out again (reductions over the batch axis, a weight against a batch of heads);
// and the refusals of bad axes, paddings and shapes.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, ops, parameter, valueAndGrad, type Parameter, type SymbolicTensor } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';

beforeAll(async () => {
  await init();
});

interface Arr { shape: number[]; data: number[] }
interface Step { op: string; args: number[]; params: Record<string, any> }
interface Case { name: string; inputs: Arr[]; steps: Step[]; dy: Arr; out: Arr; grads: Arr[]; batch: number[] }

const cases = golden<{ cases: Case[] }>('nd-ops.json').cases;

/** The case's program on the engine's ops; a reshape of a batch keeps the batch as its -1. */
function program(c: Case, xs: SymbolicTensor[]): SymbolicTensor {
  const v: SymbolicTensor[] = [...xs];
  for (const { op, args, params: p } of c.steps) {
    const a = args.map((i) => v[i]);
    const batched = a[0].shape[0] === -1;
    switch (op) {
      case 'sum': v.push(ops.sum(a[0], p.axis ?? undefined, p.keepDims)); break;
      case 'mean': v.push(ops.mean(a[0], p.axis ?? undefined, p.keepDims)); break;
      case 'softmax': v.push(ops.softmax(a[0], p.axis)); break;
      case 'logSoftmax': v.push(ops.logSoftmax(a[0], p.axis)); break;
      case 'concat': v.push(ops.concat(a, p.axis)); break;
      case 'slice': v.push(ops.slice(a[0], p.begin, p.size)); break;
      case 'pad': v.push(ops.pad(a[0], p.paddings, p.value)); break;
      case 'matmul': v.push(ops.matmul(a[0], a[1])); break;
      case 'reshape': v.push(ops.reshape(a[0], batched ? [-1, ...p.shape.slice(1)] : p.shape)); break;
      case 'transpose': v.push(ops.transpose(a[0], p.perm)); break;
      default: throw new Error(`nd-ops.json: unknown op ${op}`);
    }
  }
  return v[v.length - 1];
}

const L = (c: Case) => c.out.data.reduce((s, o, i) => s + o * c.dy.data[i], 0);
const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => expectClose(got, want, 1e-5, 1e-5, what);

describe('nd-ops.json (PyTorch 1.13 float64): values and gradients, |got - want| <= 1e-5 * |want| + 1e-5', () => {
  it('has the 44 cases', () => expect(cases.length).toBe(44));
  for (const c of cases) {
    it(c.name, () => {
      const X = c.inputs.map((a, i) => parameter(a.shape, a.data, `x${i}`));
      const DY = parameter(c.dy.shape, c.dy.data, 'dy');
      let out: SymbolicTensor | undefined;
      const f = valueAndGrad(() => ops.sum(ops.mul((out = program(c, X as unknown as SymbolicTensor[])), DY)));
      expect([...out!.shape], 'the output shape').toEqual(c.out.shape);
      close([f()], [L(c)], 'L');
      close(DY.grad, c.out.data, 'out');
      X.forEach((x, i) => close(x.grad, c.grads[i].data, `gradient of input ${i}`));
      // Central differences of the engine's own L.
      X.forEach((x, i) => {
        for (const j of [0, Math.floor(x.size / 2), x.size - 1]) {
          const h = 0.05, v0 = x.value[j], g = x.grad[j];
          x.value[j] = v0 + h;
          const up = f();
          x.value[j] = v0 - h;
          const down = f();
          x.value[j] = v0;
          const fd = (up - down) / (2 * h);
          if (!(Math.abs(fd - g) <= 3e-3 * (1 + Math.abs(g)))) expect.fail(`input ${i}[${j}]: gradient ${g}, central difference ${fd}`);
        }
      });
    });
  }
});

// A batch input's gradient is seen through a zero parameter z of one sample's shape added to it
// (x + z broadcasts z over the batch): dz is the input's gradient summed over the batch. dy is fed
// as data too when the output has the batch; else it is a parameter, whose gradient is out.
const sumOverBatch = (g: Arr) => {
  const per = g.data.length / g.shape[0];
  return Float64Array.from({ length: per }, (_, j) => g.data.reduce((s, v, i) => (i % per === j ? s + v : s), 0));
};

describe('nd-ops.json with the batch: the inputs of `batch` fed as data', () => {
  for (const c of cases.filter((k) => k.batch.length > 0)) {
    it(c.name, () => {
      const fed = c.batch.map((i) => input({ shape: c.inputs[i].shape.slice(1) }));
      const Z = c.batch.map((i) => parameter(c.inputs[i].shape.slice(1), undefined, `z${i}`));
      const params = new Map<number, Parameter>();
      c.inputs.forEach((a, i) => {
        if (!c.batch.includes(i)) params.set(i, parameter(a.shape, a.data, `x${i}`));
      });
      const xs = (b: SymbolicTensor[]) => c.inputs.map((_, i) => (c.batch.includes(i) ? ops.add(b[c.batch.indexOf(i)], Z[c.batch.indexOf(i)]) : (params.get(i)! as unknown as SymbolicTensor)));
      const data = c.batch.map((i) => ({ data: Float32Array.from(c.inputs[i].data), shape: c.inputs[i].shape }));
      const dyData = { data: Float32Array.from(c.dy.data), shape: c.dy.shape };
      const outBatched = program(c, xs(fed)).shape[0] === -1;
      const DY = outBatched ? input({ shape: c.dy.shape.slice(1) }) : parameter(c.dy.shape, c.dy.data, 'dy');
      const f = valueAndGrad((...b) => ops.sum(ops.mul(program(c, xs(b)), outBatched ? b[b.length - 1] : DY)), outBatched ? [...fed, DY as SymbolicTensor] : fed);
      close([outBatched ? f(...data, dyData) : f(...data)], [L(c)], 'L');
      if (!outBatched) close((DY as Parameter).grad, c.out.data, 'out');
      for (const [i, p] of params) close(p.grad, c.grads[i].data, `gradient of input ${i}`);
      c.batch.forEach((i, j) => close(Z[j].grad, sumOverBatch(c.grads[i]), `gradient of input ${i} summed over the batch`));
    });
  }
});

describe('bad axes, paddings and shapes are refused naming the op, the axis and the shape', () => {
  const x = () => input({ shape: [3, 4, 5] });
  it('reductions', () => {
    expect(() => ops.sum(x(), 4)).toThrow(/sum: axis 4 is outside \[batch, 3, 4, 5\] \(rank 4: axes -4 to 3\)/);
    expect(() => ops.mean(x(), [1, -5])).toThrow(/mean: axis -5 is outside \[batch, 3, 4, 5\]/);
    expect(() => ops.sum(x(), [1, -3])).toThrow(/sum: axis 1 is listed twice in \[1,-3\] for \[batch, 3, 4, 5\]/);
    expect(() => ops.sum(x(), 1.5)).toThrow(/sum: an axis is an integer, got 1.5 for \[batch, 3, 4, 5\]/);
    expect(() => ops.sum(x(), 1, 'yes' as never)).toThrow(/sum: keepDims must be true or false/);
  });
  it('softmax', () => {
    expect(() => ops.softmax(x(), 0)).toThrow(/softmax: axis 0 of \[batch, 3, 4, 5\] is the batch/);
    expect(() => ops.logSoftmax(x(), -5)).toThrow(/logSoftmax: axis -5 is outside \[batch, 3, 4, 5\]/);
  });
  it('concat and slice', () => {
    expect(() => ops.concat([x(), x()], 0)).toThrow(/concat: axis 0 of \[batch, 3, 4, 5\] is the batch/);
    expect(() => ops.concat([x(), x()], 4)).toThrow(/concat: axis 4 is outside \[batch, 3, 4, 5\]/);
    expect(() => ops.concat([x(), input({ shape: [3, 5, 5] })], 1)).toThrow(/concat along axis 1: every tensor needs the same rank and the same dimensions but axis 1, got \[batch, 3, 4, 5\], \[batch, 3, 5, 5\]/);
    expect(() => ops.slice(x(), [1, 0], [-1, 2])).toThrow(/slice: the batch axis \(0\) is taken whole: begin 0 and size -1; got begin \[1,0\], size \[-1,2\] for \[batch, 3, 4, 5\]/);
    expect(() => ops.slice(x(), [0, 2], [-1, 2])).toThrow(/slice: axis 1: \[2, 4\) is not inside its 3 entries/);
    expect(() => ops.slice(x(), [0, 0, 0, 0, 0])).toThrow(/slice: begin and size have at most one entry for each of the 4 axes/);
    expect(() => ops.slice(x(), [0, 1], 2 as never)).toThrow(/slice takes two numbers \(the last axis\) or lists/);
  });
  it('pad', () => {
    expect(() => ops.pad(x(), [[0, 0], [1, 1]])).toThrow(/pad: paddings needs one \[before, after\] pair for each of the 4 axes; got paddings \[\[0,0\],\[1,1\]\] for \[batch, 3, 4, 5\]/);
    expect(() => ops.pad(x(), [[0, 0], [1, -1], [0, 0], [0, 0]])).toThrow(/pad: axis 1's padding must be \[before, after\] of non-negative integers/);
    expect(() => ops.pad(x(), [[1, 0], [0, 0], [0, 0], [0, 0]])).toThrow(/pad: the batch axis \(0\) cannot be padded/);
    expect(() => ops.pad(x(), [[0, 0], [0, 0], [0, 0], [0, 1]], NaN)).toThrow(/pad: constantValue must be a number/);
  });
  it('matmul', () => {
    expect(() => ops.matmul(parameter([2, 3, 4, 5]), parameter([3, 3, 5, 2]))).toThrow(/matmul: \[2, 3, 4, 5\] @ \[3, 3, 5, 2\]: the leading dimensions \[2, 3\] and \[3, 3\] do not broadcast/);
    expect(() => ops.matmul(input({ shape: [4, 5] }), parameter([2, 1, 5, 2]))).toThrow(/matmul: \[batch, 4, 5\] @ \[2, 1, 5, 2\]: the batch would not be the leading axis of the result \[2, batch, 4, 2\]/);
    expect(() => ops.matmul(parameter([3, 4, 5]), parameter([3, 4, 2]))).toThrow(/the first's matrices have 5 columns, the second's 4 rows/);
  });
});

describe('a functional model of N-d ops', () => {
  it('predicts as its ops do, and saves and loads with the same predictions, bit for bit', async () => {
    const { Model, layers } = await import('wasmnn');
    const x = input([24]);
    const h = ops.transpose(ops.reshape(layers.dense({ units: 24 }).apply(x), [-1, 2, 3, 4]), [0, 3, 1, 2]); // [batch, 4, 2, 3]
    const w = ops.softmax(ops.pad(ops.slice(h, [0, 1, 0, 1], [-1, 3, -1, 2]), [[0, 0], [0, 0], [1, 0], [0, 1]]), 1); // [batch, 3, 3, 3]
    const v = ops.reshape(ops.slice(h, [0, 0, 0, 0], [-1, 3, 1, 3]), [-1, 3, 3, 1]);
    const y = ops.concat([ops.sum(w, [1, 3]), ops.reshape(ops.mean(ops.matmul(w, v), [2, 3], true), [-1, 3])], 1); // [batch, 6]
    const m = new Model({ inputs: x, outputs: y }, { seed: 4 });
    const data = Array.from({ length: 5 }, (_, i) => Array.from({ length: 24 }, (_, j) => Math.sin(i * 7 + j)));
    const p = m.predict(data);
    expect([p.rows, p.cols]).toEqual([5, 6]);
    const again = Model.load(m.save());
    expect(Array.from(again.predict(data).data)).toEqual(Array.from(p.data));
    m.dispose();
    again.dispose();
  });
});
