import { describe, expect, it } from "vitest";
import { createEvaluator } from "../../../src/guardrails/index.js";
import type { Evaluator, EvaluatorName } from "../../../src/guardrails/types.js";
import { cachedResolver } from "../../../src/policies/guardrails/resolver.js";

describe("cached evaluator resolver", () => {
  function counting() {
    const made: string[] = [];
    const resolve = cachedResolver((name: EvaluatorName, settings) => {
      made.push(`${name} ${JSON.stringify(settings)}`);
      return { name, threshold: settings.threshold ?? 0.5, evaluate: () => ({}) } as unknown as Evaluator;
    });
    return { made, resolve };
  }

  it("builds one instance per name, threshold and entity set, whatever the order of the entities", () => {
    const { made, resolve } = counting();
    const a = resolve("pii", { entities: ["PERSON", "EMAIL_ADDRESS"] });
    expect(resolve("pii", { entities: ["EMAIL_ADDRESS", "PERSON"] })).toBe(a);
    expect(resolve("pii")).not.toBe(a);
    expect(resolve("pii", {})).toBe(resolve("pii"));
    expect(resolve("pii", { threshold: 0.7, entities: ["PERSON", "EMAIL_ADDRESS"] })).not.toBe(a);
    expect(made).toHaveLength(3);
  });

  it("passes the entity types to the real PII evaluator, and refuses them for any other", () => {
    const resolve = cachedResolver(createEvaluator);
    const verdict = resolve("pii", { entities: ["EMAIL_ADDRESS"] }).evaluate({ output: "Anna Schmidt from Berlin wrote from anna@contoso.com" });
    expect(verdict.spans.map((s) => s.label)).toEqual(["EMAIL_ADDRESS"]);
    expect(() => resolve("toxicity", { entities: ["PERSON"] })).toThrow(/"entities" applies to the pii evaluator, not toxicity/);
  });
});
