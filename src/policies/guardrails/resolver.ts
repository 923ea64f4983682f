// One evaluator instance per (name, threshold) for the life of the process: models load once, and a config reload
// or a tightened threshold reuses what is loaded.
import type { Evaluator, EvaluatorName } from "../../guardrails/types.js";
import type { EvaluatorResolver } from "./policy.js";

export type EvaluatorFactory = (name: EvaluatorName, options: { threshold?: number }) => Evaluator;

export function cachedResolver(create: EvaluatorFactory): EvaluatorResolver {
  const cache = new Map<string, Evaluator>();
  return (name, threshold) => {
    const key = `${name}@${threshold ?? "default"}`;
    let evaluator = cache.get(key);
    if (!evaluator) {
      evaluator = create(name, threshold === undefined ? {} : { threshold });
      cache.set(key, evaluator);
    }
    return evaluator;
  };
}
