// One evaluator instance per (name, threshold, entity types) for the life of the process: models load once, and a
// config reload or a tightened threshold reuses what is loaded.
import type { EvaluatorSettings } from "../../guardrails/registry.js";
import type { Evaluator, EvaluatorName } from "../../guardrails/types.js";
import type { EvaluatorResolver } from "./policy.js";

export type EvaluatorFactory = (name: EvaluatorName, options: EvaluatorSettings) => Evaluator;

export function cachedResolver(create: EvaluatorFactory): EvaluatorResolver {
  const cache = new Map<string, Evaluator>();
  return (name, settings = {}) => {
    const key = settingsKey(name, settings);
    let evaluator = cache.get(key);
    if (!evaluator) {
      evaluator = create(name, settings);
      cache.set(key, evaluator);
    }
    return evaluator;
  };
}

/** The same settings give the same key whatever the order of their entity list. */
export function settingsKey(name: EvaluatorName, settings: EvaluatorSettings): string {
  const entities = settings.entities ? `#${[...settings.entities].sort().join(",")}` : "";
  return `${name}@${settings.threshold ?? "default"}${entities}`;
}
