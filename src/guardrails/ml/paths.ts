// Where shipped model files live: src/guardrails/models/ of the package, whether the code runs from src/ (tsx,
// vitest) or from a build in dist/ (tsc does not copy the JSON weights; the package ships src/guardrails/models).
import { packagePath } from "../../paths.js";

/** Absolute path of a file in src/guardrails/models/ (the file need not exist yet, e.g. when training). */
export function modelPath(fileName: string): string {
  if (fileName.includes("/") || fileName.includes("\\")) throw new Error(`model file name must not contain a path: ${fileName}`);
  return packagePath("src", "guardrails", "models", fileName);
}
