// ProtectFlash: the sub-millisecond pre-check that runs before everything else. Normalisation (skipped for plain
// ASCII, where the patterns already tolerate whitespace runs) plus one compiled pattern of high-precision attack
// phrases, also run over decoded payloads (base64, hex, rot13, spaced letters...). No model, so no load time.

import { type EvaluateArgs, type Evaluator, type EvaluatorOptions, type Verdict, checkThreshold, textOf } from "../types.js";
import { flashScan } from "./scan.js";

export { flashScan, type FlashResult } from "./scan.js";

const DEFAULT_THRESHOLD = 0.5;

export class ProtectFlash implements Evaluator {
  readonly name = "protect_flash" as const;
  readonly threshold: number;

  constructor(options: EvaluatorOptions = {}) {
    this.threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD, "protect_flash");
  }

  evaluate(args: EvaluateArgs): Verdict {
    const started = performance.now();
    const { score, spans } = flashScan(textOf(args));
    return {
      evaluator: this.name,
      score,
      threshold: this.threshold,
      flagged: score >= this.threshold,
      spans,
      latencyMs: performance.now() - started,
    };
  }
}
