// The playground page: reads the form, starts the worker, and draws what it posts.
const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
// What the page has shown, for people poking at the console and for the end-to-end test.
// threads: what init({ threads: 'auto' }) gave the worker (0 until it says); splitCalls: the kernel
// calls split across them so far (a small net's stay under the threshold, on one thread).
const state = (window.playground = { history: [], frames: 0, firstBoundary: '', lastBoundary: '', done: false, error: '', threads: 0, isolated: false, splitCalls: 0 });
const threadsText = () => `${state.threads} thread${state.threads === 1 ? '' : 's'}${state.isolated ? '' : ' (not cross-origin isolated)'}`;

function config() {
  const f = new FormData($('form'));
  const n = (k) => Number(f.get(k));
  return {
    dataset: f.get('dataset'), noise: n('noise'), activation: f.get('activation'), optimizer: f.get('optimizer'),
    lr: n('lr'), schedule: f.get('schedule'), epochs: n('epochs'), l1: n('l1'), l2: n('l2'), dropout: n('dropout'),
    batchNorm: f.get('batchNorm') === 'on', seed: n('seed'),
    hidden: String(f.get('hidden')).split(',').map((s) => parseInt(s, 10)).filter((v) => v > 0),
  };
}

worker.onmessage = ({ data: m }) => {
  if (m.type === 'runtime') {
    Object.assign(state, { threads: m.threads, isolated: m.isolated });
    $('threads').textContent = `wasmnn: ${m.build} SIMD on ${threadsText()}`;
  }
  if (m.type === 'started') $('summary').textContent = m.summary;
  if (m.type === 'progress') {
    state.frames++;
    state.history.push({ epoch: m.epoch, ...m.logs });
    if (!state.firstBoundary) state.firstBoundary = m.boundary;
    state.lastBoundary = m.boundary;
    $('boundary').innerHTML = m.boundary;
    $('curves').innerHTML = m.curves;
    $('status').textContent = `epoch ${m.epoch + 1} on ${threadsText()}: loss ${m.logs.loss.toFixed(4)}, validation loss ${m.logs.valLoss.toFixed(4)}, accuracy ${m.logs.accuracy.toFixed(3)}, validation accuracy ${m.logs.valAccuracy.toFixed(3)}`;
  }
  if (m.type === 'done') state.splitCalls = m.splitCalls;
  if (m.type === 'done' || m.type === 'error') {
    state.done = true;
    $('start').disabled = false;
    $('stop').disabled = true;
  }
  if (m.type === 'error') {
    state.error = m.message;
    $('status').textContent = `error: ${m.message}`;
  }
};

$('start').onclick = () => {
  Object.assign(state, { history: [], frames: 0, firstBoundary: '', lastBoundary: '', done: false, error: '' });
  $('start').disabled = true;
  $('stop').disabled = false;
  $('status').textContent = 'training…';
  worker.postMessage({ type: 'train', config: config() });
};
$('stop').onclick = () => worker.postMessage({ type: 'stop' });
