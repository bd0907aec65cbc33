export { Matrix, type MatrixLike } from './matrix.js';
export { makeMoons, makeCircles, makeSpirals, makeXor, makeRegression, type Labeled } from './synthetic.js';
export { parseCsv, loadCsv, type Csv } from './csv.js';
export { trainTestSplit, shuffleRows, fitStandardizer, oneHot, type Standardizer } from './split.js';
export { loadBuiltin, type BuiltinName } from './builtin.js';
export { loadIdx, parseIdx, type IdxArray, type IdxDtype } from './idx.js';
// Text for sequence models (issue #22): characters to ids and back.
export { charTokenizer, CharTokenizer, type CharTokenizerJSON } from './tokenizer.js';
export { sequenceBatches, splitSequence, SequenceBatches, type SequenceBatchesOptions, type IdBatch } from './sequence.js';
export { loadText, decodeText, parseFortunes, loadFortunes } from './text.js';
export type { BuiltinText } from './builtin.js';
