// Where shipped model files live. Sources run from src/guardrails/ml (tsx, vitest); a build runs from
// dist/src/guardrails/ml, where tsc does not copy the JSON weights, so fall back to the package's src copy.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of a file in src/guardrails/models/ (the file need not exist yet, e.g. when training). */
export function modelPath(fileName: string): string {
  if (fileName.includes("/") || fileName.includes("\\")) throw new Error(`model file name must not contain a path: ${fileName}`);
  const beside = fileURLToPath(new URL(`../models/${fileName}`, import.meta.url));
  if (existsSync(beside)) return beside;
  const fromDist = fileURLToPath(new URL(`../../../../src/guardrails/models/${fileName}`, import.meta.url));
  if (existsSync(fromDist)) return fromDist;
  return beside;
}
