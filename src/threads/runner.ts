// What every thread runs: its share of a published kernel call, and (on workers) the loop that
// waits for calls. These functions are self-contained (no imports, no closures over this module)
// because the workers get them as source text (Function.prototype.toString), which needs no
// file to locate: the same text runs under Node's worker_threads, Deno and browsers.
//
// The control block, in shared memory (Int32 indices):
//   0 GEN      bumped by the caller to publish a call (workers wait on it)
//   1 PENDING  workers still working on the call (the caller waits on it)
//   2 OP       index into the split table; -1 stops the workers
//   3 FAILED   how many threads threw; 4 FAILED_TID the last of them; 5 MESSAGE_LENGTH
//   8 + 2t, 9 + 2t  thread t's unit range [lo, hi)
//   512 + 2t, 513 + 2t  its range [lo, hi) along the op's second dimension (Split.cols), if it has one
//   136 + t  CLAIM: the last call (its GEN) whose share of thread t was taken; a worker and the
//            caller (for a worker that has not taken it yet) both take a share by compareExchange,
//            and a worker only for a call later than CLAIM, so no share runs twice
//   256 + t  RESULT: what thread t's share returned, for kernels whose counts are added (Split.sum)
//   640 + t  ASLEEP: 1 while worker t sleeps in Atomics.wait (a share taken from it then is its
//            wake-up's cost, not another process holding its core: Pool.call's contention count)
// then the call's arguments as float64 at byte ARGS_BYTE (up to MAX_ARGS; 22 * 8 bytes end before
// MESSAGE_BYTE), the failure's message (UTF-8) at MESSAGE_BYTE, RANGES2 after it, then ASLEEP.
// A spec (SPEC ints an op): arity, count argument, MAX_ARGS strides, then at COUNT2 the second
// dimension's count argument (-1 for none) and its MAX_ARGS strides.

export function layout() {
  return { GEN: 0, PENDING: 1, OP: 2, FAILED: 3, FAILED_TID: 4, MESSAGE_LENGTH: 5, RANGES: 8, CLAIM: 136, RESULT: 256, MAX_THREADS: 64, ARGS_BYTE: 1280, MAX_ARGS: 22, MESSAGE_BYTE: 1536, MESSAGE_MAX: 512, RANGES2: 512, ASLEEP: 640, BYTES: 2816, SPEC: 48, COUNT2: 24 };
}

/** Calls f with the first n values of s as arguments. */
export function callWith(f: Function, n: number, s: Float64Array): unknown {
  switch (n) {
    case 0: return f();
    case 1: return f(s[0]);
    case 2: return f(s[0], s[1]);
    case 3: return f(s[0], s[1], s[2]);
    case 4: return f(s[0], s[1], s[2], s[3]);
    case 5: return f(s[0], s[1], s[2], s[3], s[4]);
    case 6: return f(s[0], s[1], s[2], s[3], s[4], s[5]);
    case 7: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
    case 8: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    case 9: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]);
    case 10: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]);
    case 11: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10]);
    case 12: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]);
    case 13: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12]);
    case 14: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13]);
    case 15: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14]);
    case 18: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15], s[16], s[17]);
    case 19: return f(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15], s[16], s[17], s[18]);
    default: throw new Error('wasmnn: a kernel of ' + n + ' arguments');
  }
}

/**
 * Thread `tid`'s share of the published call: the kernel `fns[op]` with its pointers advanced to
 * the thread's first unit and its count set to the thread's units; its result (a number, or 0)
 * goes to the thread's RESULT slot. `spec` holds per op, SPEC
 * ints apart: arity, the count argument, then per argument -1 (fixed), 0 (4 bytes a unit) or
 * 5-bit fields of i + 1, lowest first (4 bytes times the product of those arguments i a unit).
 */
export function makeRunner(fns: Function[], spec: Int32Array, ctl: Int32Array, args: Float64Array, tid: number) {
  const L = layout();
  const local = new Float64Array(L.MAX_ARGS);
  // Bytes one unit moves a pointer whose stride is s (none for FIXED, -1).
  const unit = (s: number): number => {
    if (s < 0) return 0;
    let u = 4;
    for (let f = s; f !== 0; f >>>= 5) u *= args[(f & 31) - 1];
    return u;
  };
  return function run(): void {
    const lo = ctl[L.RANGES + 2 * tid];
    const hi = ctl[L.RANGES + 2 * tid + 1];
    ctl[L.RESULT + tid] = 0;
    if (lo >= hi) return;
    const op = ctl[L.OP];
    const base = op * L.SPEC;
    const arity = spec[base];
    const count2 = spec[base + L.COUNT2];
    const lo2 = count2 < 0 ? 0 : ctl[L.RANGES2 + 2 * tid];
    const hi2 = count2 < 0 ? 1 : ctl[L.RANGES2 + 2 * tid + 1];
    if (lo2 >= hi2) return;
    for (let i = 0; i < arity; i++) {
      const v = args[i];
      // A null pointer (0) stays null.
      local[i] = v === 0 ? 0 : v + lo * unit(spec[base + 2 + i]) + (count2 < 0 ? 0 : lo2 * unit(spec[base + L.COUNT2 + 1 + i]));
    }
    local[spec[base + 1]] = hi - lo;
    if (count2 >= 0) local[count2] = hi2 - lo2;
    ctl[L.RESULT + tid] = (callWith(fns[op], arity, local) as number) | 0;
  };
}

/**
 * A worker's life: instantiate the module over the shared memory with its own scratch block,
 * say 'ready', then run each published call's share until told to stop. Between calls it watches
 * GEN for `spinUs` microseconds (Atomics.load, the clock read every 64 loads) before it sleeps in
 * Atomics.wait, so that a training loop's calls find it awake: a futex wake-up costs tens of
 * microseconds on a virtual machine whose idle core has halted (bench/README.md, "Threads").
 */
export function workerMain(data: { module: WebAssembly.Module; memory: WebAssembly.Memory; scratch: number; control: number; tid: number; names: string[]; spec: Int32Array; spinUs: number }, post: (m: unknown) => void) {
  const L = layout();
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory, scratch: data.scratch } });
  } catch (e) {
    post({ error: String(e && (e as Error).message ? (e as Error).message : e) });
    return;
  }
  const exp = instance.exports as Record<string, Function>;
  const fns = data.names.map((n) => exp[n]);
  const buffer = data.memory.buffer;
  const ctl = new Int32Array(buffer, data.control, L.BYTES / 4);
  const args = new Float64Array(buffer, data.control + L.ARGS_BYTE, L.MAX_ARGS);
  const message = new Uint8Array(buffer, data.control + L.MESSAGE_BYTE, L.MESSAGE_MAX);
  const run = makeRunner(fns, data.spec, ctl, args, data.tid);
  const claim = L.CLAIM + data.tid;
  const asleep = L.ASLEEP + data.tid;
  const spinMs = data.spinUs / 1000;
  // Read before saying ready: the first call may be published the moment the caller hears it.
  let seen = Atomics.load(ctl, L.GEN);
  post('ready');
  for (;;) {
    let g = Atomics.load(ctl, L.GEN);
    if (g === seen && spinMs > 0) {
      const until = performance.now() + spinMs;
      for (let i = 1; g === seen; i++) {
        g = Atomics.load(ctl, L.GEN);
        if ((i & 63) === 0 && performance.now() > until) break;
      }
    }
    if (g === seen) {
      Atomics.store(ctl, asleep, 1);
      Atomics.wait(ctl, L.GEN, seen);
      Atomics.store(ctl, asleep, 0);
      continue;
    }
    seen = g;
    if (Atomics.load(ctl, L.OP) < 0) break;
    // Take the share of call g unless it is taken: by the caller (CLAIM is g), or g is already
    // past (this worker was descheduled between reading GEN and here, and CLAIM holds a later
    // call the caller took; claiming g over it would run that later call's share twice).
    const last = Atomics.load(ctl, claim);
    if (((g - last) | 0) <= 0 || Atomics.compareExchange(ctl, claim, last, g) !== last) {
      // The caller is running this share (it took it while this worker was waking or had no
      // core): watch until that call ends, so that the spin below starts from its end. Else, with
      // a share longer than the spin, this worker would sleep through it and be late again next call.
      while (Atomics.load(ctl, L.PENDING) !== 0 && Atomics.load(ctl, L.GEN) === g);
      continue;
    }
    try {
      run();
    } catch (e) {
      const text = new TextEncoder().encode(String(e && (e as Error).message ? (e as Error).message : e)).subarray(0, L.MESSAGE_MAX);
      message.set(text);
      Atomics.store(ctl, L.MESSAGE_LENGTH, text.length);
      Atomics.store(ctl, L.FAILED_TID, data.tid);
      Atomics.add(ctl, L.FAILED, 1);
    }
    if (Atomics.sub(ctl, L.PENDING, 1) === 1) Atomics.notify(ctl, L.PENDING);
  }
}

/** The source text a worker runs: these functions, then `boot`, which calls workerMain. */
export function workerSource(boot: string): string {
  return [layout, callWith, makeRunner, workerMain].map(String).join('\n') + '\n' + boot;
}
