import { describe, expect, it } from "vitest";
import { BUILTIN_CONFIG_PATH, loadConfigFile } from "../../src/config/load.js";
import { packagePath } from "../../src/paths.js";

describe("bench/passthrough.yaml", () => {
  it("is the built-in config without guardrails, limits and audit, so the bench compares like with like", () => {
    const builtIn = loadConfigFile(BUILTIN_CONFIG_PATH, {}).config;
    const passthrough = loadConfigFile(packagePath("bench", "passthrough.yaml"), {}).config;
    expect(passthrough.guardrails).toBeUndefined();
    expect(passthrough.limits).toBeUndefined();
    expect(passthrough.audit.file).toBeUndefined();
    expect(builtIn.guardrails).toBeDefined();
    const { guardrails: _g, limits: _l, audit: _a, ...restBuiltIn } = builtIn;
    const { guardrails: _g2, limits: _l2, audit: _a2, ...restPassthrough } = passthrough;
    expect(restPassthrough).toEqual(restBuiltIn);
  });
});
