// What a retrained model looks like once the trainer has saved it and the runtime has loaded it: pruned and
// sqrt-int8 quantised (src/guardrails/ml/serialize.ts). `npm run eval -- --loso` scores held-out rows with these, so
// a fold's scores are those the shipped evaluator would give with that fold's weights.

import { type LinearModel, decodeModel, encodeModel } from "../../src/guardrails/ml/index.js";

/** The model as saveModel(path, model, { pruneBelow }) writes it and loadModel reads it back, without the file. */
export function asShipped(model: LinearModel, pruneBelow: number): LinearModel {
  return decodeModel(JSON.parse(JSON.stringify(encodeModel(model, { pruneBelow }))), "retrained model");
}
