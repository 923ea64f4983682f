// Child process of pathological-input.test.ts: runs every evaluator on every pathological input and prints one
// line per verdict. In a child, an evaluator that never returns is killed by the parent's timeout instead of
// blocking the test worker (synchronous code cannot be interrupted by vitest's own timeout).
import { EVALUATOR_NAMES, createEvaluator } from "../../src/guardrails/index.js";
import { PATHOLOGICAL } from "./pathological-inputs.js";

for (const name of EVALUATOR_NAMES) {
  const evaluator = createEvaluator(name);
  for (const [label, text] of PATHOLOGICAL) {
    const verdict = evaluator.evaluate({ input: text });
    process.stdout.write(`${JSON.stringify({ evaluator: name, label, score: verdict.score })}\n`);
  }
}
