// The emulator's header mutation rules, case by case as Envoy's own unit tests state them
// (test/extensions/filters/common/mutation_rules/mutation_rules_test.cc, ext_proc/mutation_utils_test.cc).
import { describe, expect, it } from "vitest";
import { HeaderMap } from "./emulator/header-map.js";
import { applyHeaderMutations, DEFAULT_HEADER_LIMITS } from "./emulator/header-mutation.js";
import { MutationChecker } from "./emulator/mutation-rules.js";
import type { WireHeaderMutation } from "./emulator/wire-types.js";

const v = (s: string): Buffer => Buffer.from(s);
const set = (key: string, value: string, append = false) => ({ header: { key, raw_value: v(value) }, append: { value: append } });

function request(): HeaderMap {
  return HeaderMap.from("request", [
    [":authority", "gw.example"],
    [":path", "/v1/chat/completions"],
    [":method", "POST"],
    [":scheme", "https"],
    ["content-length", "10"],
    ["x-existing", "1"],
  ]);
}

function apply(mutation: WireHeaderMutation, rules = {}, removeContentLength = false, headers = request()) {
  const outcome = applyHeaderMutations(mutation, headers, { checker: new MutationChecker(rules), replacingMessage: false, removeContentLength, limits: DEFAULT_HEADER_LIMITS });
  return { outcome, headers };
}

describe("MutationChecker (mutation_rules.cc)", () => {
  const check = (rules: object, op: "SET" | "APPEND" | "REMOVE", name: string, value = "x") => new MutationChecker(rules).check(op, name, v(value));

  it("blocks routing headers unless allow_all_routing, and then checks their values", () => {
    expect(check({}, "SET", ":authority")).toBe("IGNORE");
    expect(check({}, "SET", "host")).toBe("IGNORE");
    expect(check({}, "SET", ":method")).toBe("IGNORE");
    expect(check({}, "SET", ":path")).toBe("OK");
    expect(check({ allow_all_routing: true }, "SET", ":authority", "api.openai.com")).toBe("OK");
    expect(check({ allow_all_routing: true }, "SET", ":authority", "bad host")).toBe("IGNORE");
    expect(check({ allow_all_routing: true }, "SET", ":scheme", "ftp")).toBe("IGNORE");
  });

  it("never appends to or removes pseudo-headers and host; x-envoy-* needs allow_envoy", () => {
    expect(check({}, "APPEND", ":path")).toBe("IGNORE");
    expect(check({ allow_all_routing: true }, "REMOVE", "host")).toBe("IGNORE");
    expect(check({}, "REMOVE", ":path")).toBe("IGNORE");
    expect(check({}, "SET", "x-envoy-retry-on")).toBe("IGNORE");
    expect(check({ allow_envoy: true }, "SET", "x-envoy-retry-on")).toBe("OK");
  });

  it("validates :status and honours the expression and disallow rules, FAIL with disallow_is_error", () => {
    expect(check({}, "SET", ":status", "201")).toBe("OK");
    expect(check({}, "SET", ":status", "100")).toBe("IGNORE");
    expect(check({ disallow_system: true }, "SET", ":path")).toBe("IGNORE");
    expect(check({ disallow_all: true }, "SET", "x-a")).toBe("IGNORE");
    expect(check({ disallow_all: true, allow_expression: { regex: "x-tollgate-.*" } }, "SET", "x-tollgate-cluster")).toBe("OK");
    expect(check({ disallow_expression: { regex: "x-a" } }, "SET", "x-a")).toBe("IGNORE");
    expect(check({ disallow_expression: { regex: "x-a" } }, "SET", "x-ab")).toBe("OK");
    expect(check({ disallow_is_error: true }, "SET", "host")).toBe("FAIL");
  });
});

describe("applyHeaderMutations (mutation_utils.cc)", () => {
  it("removes before it sets, overwrites unless append, and adds a second entry on append", () => {
    const { outcome, headers } = apply({ remove_headers: ["x-existing"], set_headers: [set("x-existing", "2"), set("x-new", "a"), set("x-new", "b", true)] });
    expect(outcome).toEqual({ ok: true, rejected: 0 });
    expect(headers.get("x-existing")).toEqual([v("2")]);
    expect(headers.get("x-new")).toEqual([v("a"), v("b")]);
  });

  it("comma-joins an append onto an inline header (HeaderMapImpl::addCopy)", () => {
    const { headers } = apply({ set_headers: [set("content-type", "a"), set("content-type", "b", true)] });
    expect(headers.getString("content-type")).toBe("a,b");
  });

  it("reads raw_value only: a mutation with just value sets an empty header (envoy#31555)", () => {
    const { headers } = apply({ set_headers: [{ header: { key: "x-value-only", value: "ignored" }, append: { value: false } }] });
    expect(headers.get("x-value-only")).toEqual([v("")]);
  });

  it("fails on value and raw_value both set, on invalid characters, and over the header count limit", () => {
    expect(apply({ set_headers: [{ header: { key: "x", value: "a", raw_value: v("b") } }] }).outcome.ok).toBe(false);
    expect(apply({ set_headers: [set("bad name", "x")] }).outcome.ok).toBe(false);
    expect(apply({ set_headers: [set("x-crlf", "a\r\nb")] }).outcome.ok).toBe(false);
    expect(apply({ remove_headers: ["bad name"] }).outcome.ok).toBe(false);
    const many = Array.from({ length: 101 }, (_v, i) => set(`x-${i}`, "1"));
    expect(apply({ set_headers: many }).outcome).toMatchObject({ ok: false, error: expect.stringContaining("exceed the HCM header count limit 100") });
  });

  it("counts ignored mutations and skips content-length in modes that drop it", () => {
    expect(apply({ set_headers: [set("host", "x"), set(":method", "GET")], remove_headers: [":path"] }).outcome).toEqual({ ok: true, rejected: 3 });
    const { headers } = apply({ set_headers: [set("content-length", "99")] }, {}, true);
    expect(headers.getString("content-length")).toBe("10");
  });

  it("lets CONTINUE_AND_REPLACE change :method (ConvertGetToPost)", () => {
    const headers = request();
    applyHeaderMutations({ set_headers: [set(":method", "PUT")] }, headers, { checker: new MutationChecker(), replacingMessage: true, removeContentLength: false, limits: DEFAULT_HEADER_LIMITS });
    expect(headers.getString(":method")).toBe("PUT");
  });
});
