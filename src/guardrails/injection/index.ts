// PromptInjection: a trained n-gram model plus multilingual cue patterns (see score.ts for how they combine),
// scored over windows of the normalised text and of decoded payloads, with ProtectFlash's high-precision hits as a
// floor. Score 0..1; flagged at the threshold chosen on leave-one-source-family-out validation (model card:
// src/guardrails/models/prompt_injection.md).

import { type LinearModel, loadModel, modelPath } from "../ml/index.js";
import { prepareText } from "../normalize.js";
import { type EvaluateArgs, type Evaluator, type EvaluatorOptions, type Span, type Verdict, modelThreshold, textOf } from "../types.js";
import { type Combiner, type InjectionScoring, combinerOf, flashFloor, scoreInjection } from "./score.js";

export const PROMPT_INJECTION_MODEL = "prompt_injection.json";

export interface PromptInjectionOptions extends EvaluatorOptions {
  /** A model file other than the shipped one (e.g. a retrained model). */
  modelFile?: string;
}

export class PromptInjection implements Evaluator {
  readonly name = "prompt_injection" as const;
  readonly threshold: number;
  private readonly model: LinearModel;
  private readonly combiner: Combiner;
  private readonly scoring: InjectionScoring;

  constructor(options: PromptInjectionOptions = {}) {
    this.model = loadModel(options.modelFile ?? modelPath(PROMPT_INJECTION_MODEL));
    this.combiner = combinerOf(this.model);
    this.scoring = scoringOf(this.model);
    this.threshold = modelThreshold(options.threshold, this.model.meta.threshold, 0.5, this.name);
  }

  evaluate(args: EvaluateArgs): Verdict {
    const started = performance.now();
    const text = textOf(args);
    const prepared = prepareText(text); // normalised and decoded once for both scanners
    const hit = scoreInjection(this.model, text, this.scoring, this.combiner, prepared);
    const flash = flashFloor(text, hit, prepared);
    const score = Math.max(hit.score, flash.score);
    const flagged = score >= this.threshold;
    const spans: Span[] = [];
    if (flagged) {
      spans.push(...flash.spans);
      if (hit.score >= this.threshold) {
        const label = hit.via === "text" ? "injection" : `injection:${hit.via}`;
        spans.push({ start: hit.start, end: hit.end, text: text.slice(hit.start, hit.end), label });
      }
    }
    return { evaluator: this.name, score, threshold: this.threshold, flagged, spans, latencyMs: performance.now() - started };
  }
}

function scoringOf(model: LinearModel): InjectionScoring {
  const scoring = model.meta.scoring;
  if (typeof scoring === "object" && scoring !== null && !Array.isArray(scoring)) {
    const { window, stride } = scoring;
    if (typeof window === "number" && typeof stride === "number" && window > 0 && stride > 0) return { window, stride };
  }
  throw new Error("prompt injection model: meta.scoring needs positive window and stride");
}
