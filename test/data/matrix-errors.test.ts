// Matrix.from names what is wrong with a value that is not a number (a string label was reported
// as NaN, '1' and null were taken as 1 and 0), and takes typed-array rows (a Float32Array row was
// reported as NaN).
import { describe, expect, it } from 'vitest';
import { Matrix } from 'wasmnn';

describe('Matrix.from', () => {
  it('takes Float32Array and Float64Array rows', () => {
    const m = Matrix.from([Float32Array.of(1, 2), Float64Array.of(3, 4)]);
    expect(m.shape).toEqual([2, 2]);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4]);
  });
  it('names string labels, in a column or in rows, instead of reporting NaN', () => {
    expect(() => Matrix.from(['cat', 'dog'] as never, 'y')).toThrow(/y: row 0, column 0 is the string 'cat' \(labels and features must be numbers/);
    expect(() => Matrix.from([[0], ['1']] as never, 'y')).toThrow(/y: row 1, column 0 is the string '1'/);
    expect(() => Matrix.from({ data: [0, 'b'], shape: [1, 2] } as never, 'y')).toThrow(/y: row 0, column 1 is the string 'b'/);
  });
  it('refuses null, undefined and objects where a number belongs', () => {
    expect(() => Matrix.from([[1, null]] as never)).toThrow(/x: row 0, column 1 is null, not a number/);
    expect(() => Matrix.from([1, undefined] as never)).toThrow(/x: row 1, column 0 is undefined, not a number/);
    expect(() => Matrix.from([[1], 2] as never)).toThrow(/x: row 1 is a number \(2\), row 0 has 1/);
    expect(() => Matrix.from([[1, [2]]] as never)).toThrow(/row 0, column 1 is an Array, not a number/);
  });
  it('still reports NaN and infinity where they are', () => {
    expect(() => Matrix.from([[1, NaN]])).toThrow(/x contains NaN at row 0, column 1/);
  });
});
