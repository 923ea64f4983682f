// Deterministic evaluators for data-path tests: they flag fixed marker patterns, so a test of the guardrail
// plumbing (segments, actions, streaming hold-back, events) does not depend on what a trained model scores.
// The real evaluators have their own tests in test/guardrails/.
import type { Evaluator, EvaluatorName, Span, Verdict } from "../../src/guardrails/types.js";
import { textOf } from "../../src/guardrails/types.js";
import type { EvaluatorResolver } from "../../src/policies/guardrails/policy.js";

const PATTERNS: Record<EvaluatorName, { re: RegExp; label: string; score: number }> = {
  protect_flash: { re: /FLASH-ATTACK/g, label: "override", score: 1 },
  prompt_injection: { re: /IGNORE PREVIOUS INSTRUCTIONS|SUSPICIOUS/g, label: "injection", score: 0.95 },
  pii: { re: /\b4111(?:[ -]?1111){3}\b|\b[\w.]+@example\.com\b/g, label: "PII", score: 0.99 },
  secrets: { re: /\bsk-live-[A-Za-z0-9]{20,}\b/g, label: "OPENAI_KEY", score: 0.99 },
  toxicity: { re: /\bTOXIC-WORD\b/g, label: "toxic", score: 0.9 },
  content_safety: { re: /\bPIPE BOMB\b/gi, label: "weapons", score: 0.9 },
};

/** "SUSPICIOUS" scores 0.6 on prompt_injection: in the grey zone below a 0.8 threshold. */
class FakeEvaluator implements Evaluator {
  constructor(
    readonly name: EvaluatorName,
    readonly threshold: number,
  ) {}

  evaluate(args: { input: string } | { output: string }): Verdict {
    const text = textOf(args);
    const { re, label, score } = PATTERNS[this.name];
    const spans: Span[] = [];
    let best = 0;
    for (const m of text.matchAll(re)) {
      const s = m[0] === "SUSPICIOUS" ? 0.6 : score;
      best = Math.max(best, s);
      if (s >= this.threshold) spans.push({ start: m.index, end: m.index + m[0].length, text: m[0], label: this.name === "pii" && m[0].includes("@") ? "EMAIL_ADDRESS" : label });
    }
    return { evaluator: this.name, score: best, threshold: this.threshold, flagged: best >= this.threshold, spans, latencyMs: 0 };
  }
}

export function fakeEvaluators(): EvaluatorResolver {
  return (name, settings) => new FakeEvaluator(name, settings?.threshold ?? 0.8);
}
