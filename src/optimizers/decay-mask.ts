// Which parameters weight decay leaves alone (PyTorch's two param groups, decay and no decay, as
// nanoGPT's configure_optimizers makes them): `exclude` lists parameter roles ('bias', 'norm',
// 'embedding', 'weight', set by each layer's paramSpecs) and name patterns (RegExp, or its JSON form
// { pattern, flags }, which getConfig writes and load reads).
//
// NOTE: the fused update runs over a segment of many parameters in one kernel call, so decay per
// parameter is a mask, an int32 per element (1: decay, 0: none) made once at attach, that the
// kernel reads beside w and g; the alternative, one call per run of parameters that share a
// setting, would be a call per bias and per weight (some 10 per transformer block, each with its
// own thread split and tail) where now there is one. The mask costs 4 bytes a parameter, one
// more stream beside the seven (w, g, m, v read; w, m, v written) the update already moves, and
// allocates nothing per step. A masked-out element gets the bits of an update without decay.
import { PARAM_ROLES, type Parameter, type ParamRole, type Segment } from './parameter.js';
import type { Arena } from '../memory/arena.js';

export type DecayExclusion = ParamRole | RegExp | { pattern: string; flags?: string };

/** The exclusions, checked: roles by name (an unknown one is an error), patterns as RegExps. */
export function exclusionsOf(exclude: unknown, where: string): (ParamRole | RegExp)[] {
  if (!Array.isArray(exclude)) throw new TypeError(`wasmnn: ${where}: exclude must be a list of parameter roles (${PARAM_ROLES.map((r) => `'${r}'`).join(', ')}) and name patterns (RegExp), got ${typeof exclude}`);
  return exclude.map((e, i) => {
    if (typeof e === 'string') {
      if (!PARAM_ROLES.includes(e as ParamRole)) throw new RangeError(`wasmnn: ${where}: exclude[${i}] '${e}' is not a parameter role; the roles are ${PARAM_ROLES.map((r) => `'${r}'`).join(', ')} (select by name with a RegExp, e.g. /${e}/)`);
      return e as ParamRole;
    }
    if (e instanceof RegExp) return new RegExp(e.source, e.flags.replace(/[gy]/g, '')); // no lastIndex state between tests
    if (e && typeof e === 'object' && typeof e.pattern === 'string') {
      try {
        return new RegExp(e.pattern, (e.flags ?? '').replace(/[gy]/g, ''));
      } catch (err) {
        throw new RangeError(`wasmnn: ${where}: exclude[${i}] is not a valid pattern: ${(err as Error).message}`);
      }
    }
    throw new TypeError(`wasmnn: ${where}: exclude[${i}] must be a parameter role or a RegExp, got ${JSON.stringify(e)}`);
  });
}

/** The JSON form of the exclusions, for getConfig. */
export const exclusionsConfig = (ex: readonly (ParamRole | RegExp)[]) => ex.map((e) => (typeof e === 'string' ? e : { pattern: e.source, flags: e.flags }));

const matches = (e: ParamRole | RegExp, p: Parameter) => (typeof e === 'string' ? p.role === e : e.test(p.name));

/** True for each parameter that weight decay applies to. Warns for an exclusion that selects none of them. */
export function decaying(params: readonly Parameter[], ex: readonly (ParamRole | RegExp)[], where: string): boolean[] {
  for (const e of ex) {
    if (params.length && !params.some((p) => matches(e, p))) {
      const roles = [...new Set(params.map((p) => p.role))].join(', ');
      console.warn(`wasmnn: ${where}: exclude ${typeof e === 'string' ? `'${e}'` : String(e)} selects none of the ${params.length} parameters (their roles: ${roles}); it leaves nothing out of weight decay`);
    }
  }
  return params.map((p) => !ex.some((e) => matches(e, p)));
}

/**
 * One mask per segment (0 where every parameter of the segment decays: the kernel's fast path),
 * filled from `decays`, parameters in segment order as segmentsOf groups them.
 */
export function decayMasks(arena: Arena, segments: readonly Segment[], params: readonly Parameter[], decays: readonly boolean[]): number[] {
  return segments.map((s) => {
    const inside = params.map((p, i) => i).filter((i) => params[i].valuePtr >= s.value && params[i].valuePtr < s.value + 4 * s.n);
    if (inside.every((i) => decays[i])) return 0;
    const ptr = arena.alloc(s.n * 4);
    const view = new Int32Array(arena.memory.buffer, ptr, s.n);
    for (const i of inside) view.fill(decays[i] ? 1 : 0, (params[i].valuePtr - s.value) >> 2, ((params[i].valuePtr - s.value) >> 2) + params[i].size);
    return ptr;
  });
}
