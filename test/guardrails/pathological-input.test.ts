import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { EVALUATOR_NAMES } from "../../src/guardrails/index.js";
import { PATHOLOGICAL } from "./pathological-inputs.js";

describe("pathological inputs", () => {
  it("every evaluator returns a verdict in [0, 1] on every input (a hanging regex is killed and fails the test)", () => {
    // A termination check, not a speed check: the whole run takes a few seconds; a catastrophic backtrack takes hours.
    const child = spawnSync(process.execPath, ["--import", "tsx", "test/guardrails/pathological-input-child.ts"], { encoding: "utf8", timeout: 120_000 });
    expect(child.signal, `killed: an evaluator did not return\n${child.stderr}`).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const verdicts = child.stdout.trim().split("\n").map((line) => JSON.parse(line) as { evaluator: string; label: string; score: number });
    expect(verdicts).toHaveLength(EVALUATOR_NAMES.length * PATHOLOGICAL.length);
    for (const v of verdicts) expect(v.score, `${v.evaluator} on ${v.label}`).toBeGreaterThanOrEqual(0);
    for (const v of verdicts) expect(v.score, `${v.evaluator} on ${v.label}`).toBeLessThanOrEqual(1);
  }, 150_000);
});
