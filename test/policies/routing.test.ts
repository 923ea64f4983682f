import { describe, expect, it } from "vitest";
import { RouteTable, clientOnlyHeaders } from "../../src/policies/routing.js";
import { globSet } from "../../src/policies/glob.js";
import type { RouteConfig } from "../../src/config/schema.js";

const route = (name: string, match: RouteConfig["match"]): RouteConfig => ({ name, match, providers: ["p"], fail_mode: "closed" });

describe("route table", () => {
  const table = new RouteTable([
    route("cheap", { models: ["gpt-4o-mini*"], headers: { "x-tier": "cheap" } }),
    route("mini", { paths: ["/v1/chat/*"], models: ["gpt-4o-mini"] }),
    route("chat", { paths: ["/v1/chat/completions"] }),
    route("mcp", { paths: ["/mcp", "/mcp/*"] }),
  ]);
  const none = new Map<string, string>();

  it("picks the first route whose every condition holds", () => {
    expect(table.select("/v1/chat/completions", "gpt-4o-mini", new Map([["x-tier", "cheap"]]))?.name).toBe("cheap");
    expect(table.select("/v1/chat/completions", "gpt-4o-mini", none)?.name).toBe("mini");
    expect(table.select("/v1/chat/completions?x=1", "gpt-4o", none)?.name).toBe("chat");
    expect(table.select("/mcp/sse", undefined, none)?.name).toBe("mcp");
    expect(table.select("/v1/embeddings", "x", none)).toBeUndefined();
  });

  it("does not let duplicate slashes dodge a path match", () => {
    expect(table.select("//v1/chat//completions", "gpt-4o", none)?.name).toBe("chat");
  });

  it("lists the client's credentials and internal headers for removal", () => {
    const removed = clientOnlyHeaders(new Map([["x-tollgate-key-id", "k"], ["x-tollgate-cluster", "c"], ["accept", "*/*"]]));
    expect(removed).toEqual(["authorization", "x-api-key", "x-tollgate-key-id"]);
  });

  it("globs match whole names only", () => {
    const g = globSet(["gpt-4o*", "o?-mini"]);
    expect(g.test("gpt-4o-2024")).toBe(true);
    expect(g.test("xgpt-4o")).toBe(false);
    expect(g.test("o3-mini")).toBe(true);
    expect(g.test("o3.mini")).toBe(false);
    expect(globSet([]).test("a")).toBe(false);
  });
});
