import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_CONFIG_PATH, ConfigLoadError, loadConfigFile, parseConfig } from "../../src/config/load.js";
import { BASE_CONFIG, writeTempConfig } from "../helpers/tollgate.js";

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, "t.yaml", {});
  } catch (err) {
    if (err instanceof ConfigLoadError) return err.message.split("\n");
    throw err;
  }
  throw new Error("config was accepted");
}

describe("config loading", () => {
  it("loads the built-in config with defaults filled in", () => {
    const { config, warnings } = loadConfigFile(BUILTIN_CONFIG_PATH, {});
    expect(config.server.grpc.port).toBe(50051);
    expect(config.server.admin.port).toBe(9464);
    expect(config.server.phase_budget_ms).toBe(150);
    expect(config.routes.map((r) => r.name)).toContain("openai");
    expect(warnings.some((w) => w.includes("OPENAI_API_KEY"))).toBe(true);
  });

  it("names file, line, column and key path of a misspelled key", () => {
    const errors = errorsOf("server:\n  grpc:\n    prot: 1234\n");
    expect(errors).toEqual(["t.yaml:3:5: server.grpc.prot: unknown key (misspelled?)"]);
  });

  it("reports a wrong type at the value's line", () => {
    expect(errorsOf("server:\n  phase_budget_ms: fast\n")[0]).toMatch(/^t\.yaml:2:20: server\.phase_budget_ms: .*number/);
  });

  it("reports every problem at once, including cross-references", () => {
    const errors = errorsOf(
      "routes:\n  - name: a\n    providers: [ghost]\n  - name: a\n    providers: [ghost]\nauth:\n  keys:\n    - { id: k, sha256: nothex }\n",
    );
    expect(errors).toContain('t.yaml:3:17: routes[0].providers[0]: unknown provider "ghost"');
    expect(errors.some((e) => e.startsWith("t.yaml:4:") && e.includes('duplicate route name "a"'))).toBe(true);
    expect(errors.some((e) => e.startsWith("t.yaml:8:") && e.includes("sha256 must be 64"))).toBe(true);
  });

  it("accepts PII entity types on a pii rule only, and names unknown types", () => {
    const errors = errorsOf(
      "guardrails:\n  post:\n    - { evaluator: toxicity, entities: [PERSON] }\n    - { evaluator: pii, entities: [PERSN] }\n",
    );
    expect(errors.some((e) => e.startsWith("t.yaml:3:") && e.includes("guardrails.post[0].entities: entities applies to the pii evaluator only"))).toBe(true);
    expect(errors.some((e) => e.startsWith("t.yaml:4:") && e.includes("guardrails.post[1].entities[0]"))).toBe(true);
    const { config } = parseConfig("guardrails:\n  post:\n    - { evaluator: pii, action: redact, entities: [EMAIL_ADDRESS] }\n", "t.yaml", {});
    expect(config.guardrails?.post[0]?.entities).toEqual(["EMAIL_ADDRESS"]);
  });

  it("reports YAML syntax errors with their position", () => {
    expect(errorsOf("routes: [\n  {name: x\n")[0]).toMatch(/^t\.yaml:\d+:\d+: /);
    expect(errorsOf("a: 1\na: 2\n")[0]).toMatch(/^t\.yaml:2:1: .*[Mm]ap keys must be unique/);
  });

  it("reads secrets from the environment and from files, and warns about missing ones", () => {
    const file = writeTempConfig(BASE_CONFIG);
    const secretFile = join(file, "..", "secret.txt");
    writeFileSync(secretFile, "file-secret\n");
    const text = BASE_CONFIG.replace("credential: { env: ANTHROPIC_KEY }", `credential: { file: ${secretFile} }`);
    const loaded = parseConfig(text, "t.yaml", { OPENAI_KEY: "env-secret" });
    expect(loaded.secrets.get("env:OPENAI_KEY")).toBe("env-secret");
    expect(loaded.secrets.get(`file:${secretFile}`)).toBe("file-secret");
    expect(parseConfig(BASE_CONFIG, "t.yaml", {}).warnings).toContain("provider openai: secret env:OPENAI_KEY is not set");
  });

  it("says when the file cannot be read", () => {
    expect(() => loadConfigFile("/nonexistent/tollgate.yaml")).toThrow(/\/nonexistent\/tollgate\.yaml:0:0: cannot read config file/);
  });
});
