import { describe, expect, it } from "vitest";
import { BUILTIN_CONFIG_PATH, loadConfigFile } from "../../src/config/load.js";
import { packagePath } from "../../src/paths.js";

const builtIn = loadConfigFile(BUILTIN_CONFIG_PATH, {}).config;
const load = (name: string) => loadConfigFile(packagePath("bench", name), {}).config;

describe("the benchmark's configs follow the built-in config", () => {
  it("passthrough.yaml is the built-in config without guardrails, limits and audit", () => {
    const passthrough = load("passthrough.yaml");
    expect(passthrough.guardrails).toBeUndefined();
    expect(passthrough.limits).toBeUndefined();
    expect(passthrough.audit.file).toBeUndefined();
    const { guardrails: _g, limits: _l, audit: _a, ...rest } = builtIn;
    const { guardrails: _g2, limits: _l2, audit: _a2, ...restPassthrough } = passthrough;
    expect(restPassthrough).toEqual(rest);
  });

  it("guarded.yaml is the built-in config with the same rules whose caps cannot trip", () => {
    const guarded = load("guarded.yaml");
    const { limits, audit: _a, ...rest } = guarded;
    const { limits: builtInLimits, audit: _a2, ...builtInRest } = builtIn;
    expect(rest).toEqual(builtInRest);
    expect(guarded.audit.file).toBeDefined();
    const rules = (l: typeof limits) => (l ? l.rules.map((r) => [r.name, r.kind, r.window]) : []);
    expect(rules(limits)).toEqual(rules(builtInLimits));
    for (const rule of limits!.rules) expect(rule.cap).toBeGreaterThanOrEqual(1e9);
  });
});
