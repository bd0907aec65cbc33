// PyTorch CPU (bench/cnn_torch.py) as the native limit of bench/cnn.js, in the same interleaved
// rounds as the JS contenders: one Python process a thread count, started once and kept; each
// timed call writes 'train' or 'forward' on its stdin and waits for the line that says the call
// is done (the pipe's round trip, ~0.1 ms, against steps of 10-60 ms). Between calls the process
// blocks on its stdin and takes no CPU.
// Python: $BENCH_PYTHON, else the first of python3 and /usr/bin/python3 that imports torch (on
// this project's machine the python3 on PATH is a pyenv shim without it).
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const cnnScript = fileURLToPath(new URL('cnn_torch.py', import.meta.url));
const script = cnnScript;

function start(python, threads, { script = cnnScript, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(python, [script, '--serve', '--threads', String(threads)], { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const waiting = [];
    let ready = false;
    const fail = (why) => {
      if (!ready) resolve({ error: `${python}: ${why}` });
      for (const w of waiting.splice(0)) w.reject(new Error(`PyTorch (${python}) ${why}`));
    };
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code) => fail(`exited with ${code}${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      if (!ready) {
        ready = true;
        resolve({ python, pid: child.pid, info: msg, call, close: () => child.kill() });
      } else waiting.shift()?.resolve(msg);
    });
    const call = (what) =>
      new Promise((res, rej) => {
        waiting.push({ resolve: res, reject: rej });
        child.stdin.write(`${what}\n`);
      });
  });
}

// { call(what) -> Promise, python, pid, info: { torch, threads }, close() } or { error }.
// options: { script } another server of the same protocol (bench/gpt_torch.py), { env } its environment.
export async function torchServer(threads, options = {}) {
  const pythons = process.env.BENCH_PYTHON ? [process.env.BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
  const errors = [];
  for (const python of pythons) {
    const s = await start(python, threads, options);
    if (!s.error) {
      if (s.info.threads !== threads) {
        s.close();
        return { error: `asked for ${threads} threads, torch.get_num_threads() is ${s.info.threads}` };
      }
      return s;
    }
    errors.push(s.error);
  }
  return { error: errors.join('; ') };
}

// The script's own timed run in a process of its own (nothing else of this bench running):
// { train, forward } samples/s, the medians of `seconds` of calls each, or { error }.
export function torchSolo(python, threads, seconds = 1.5) {
  try {
    const out = JSON.parse(execFileSync(python, [script, '--threads', String(threads), '--seconds', String(seconds)], { encoding: 'utf8' }));
    return { train: out.train.samples_per_s, forward: out.forward.samples_per_s };
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  }
}
