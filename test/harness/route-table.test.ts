// Route selection as source/common/router/config_impl.cc does it (virtual host by :authority, first matching
// route by path specifier, headers and query parameters).
import { describe, expect, it } from "vitest";
import { HeaderMap } from "./emulator/header-map.js";
import { headerMatches, RouteTable } from "./emulator/route-table.js";
import { RouteConfigurationSchema } from "./envoy-config/schema.js";

const headers = (authority: string, path: string, extra: [string, string][] = []): HeaderMap =>
  HeaderMap.from("request", [[":authority", authority], [":path", path], [":method", "GET"], ...extra]);

const table = new RouteTable(
  RouteConfigurationSchema.parse({
    virtual_hosts: [
      { name: "exact", domains: ["api.example.com"], routes: [{ name: "exact", match: { prefix: "/" }, route: { cluster: "a" } }] },
      { name: "suffix-long", domains: ["*.eu.example.com"], routes: [{ match: { prefix: "/" }, route: { cluster: "eu" } }] },
      { name: "suffix", domains: ["*.example.com"], routes: [{ match: { prefix: "/" }, route: { cluster: "any" } }] },
      { name: "prefix", domains: ["internal.*"], routes: [{ match: { prefix: "/" }, route: { cluster: "internal" } }] },
      {
        name: "default",
        domains: ["*"],
        routes: [
          { name: "exact-path", match: { path: "/v1/models" }, route: { cluster: "models" } },
          { name: "separated", match: { path_separated_prefix: "/mcp" }, route: { cluster: "mcp" } },
          { name: "ci", match: { prefix: "/CASE", case_sensitive: false }, route: { cluster: "ci" } },
          { name: "regex", match: { safe_regex: { regex: "/v[0-9]+/embeddings" } }, route: { cluster: "emb" } },
          { name: "query", match: { prefix: "/q", query_parameters: [{ name: "debug", present_match: true }] }, route: { cluster: "debug" } },
          { name: "fallback", match: { prefix: "/" }, route: { cluster: "fallback" } },
        ],
      },
    ],
  }),
);
const pick = (h: HeaderMap): string | undefined => table.match(h)?.virtualHost.name;
const route = (path: string): string | undefined => table.match(headers("x", path))?.route.name;

describe("RouteTable", () => {
  it("picks the virtual host: exact, longest *.suffix, prefix.*, then *", () => {
    expect(pick(headers("API.example.com", "/"))).toBe("exact");
    expect(pick(headers("a.eu.example.com", "/"))).toBe("suffix-long");
    expect(pick(headers("b.example.com", "/"))).toBe("suffix");
    expect(pick(headers("internal.corp", "/"))).toBe("prefix");
    expect(pick(headers("127.0.0.1:8080", "/"))).toBe("default");
  });

  it("matches path specifiers on the path without the query", () => {
    expect(route("/v1/models?limit=1")).toBe("exact-path");
    expect(route("/v1/models/gpt")).toBe("fallback");
    expect(route("/mcp")).toBe("separated");
    expect(route("/mcp/tools")).toBe("separated");
    expect(route("/mcpx")).toBe("fallback");
    expect(route("/case/x")).toBe("ci");
    expect(route("/v2/embeddings")).toBe("regex");
    expect(route("/v2/embeddings/x")).toBe("fallback");
    expect(route("/q?debug=1")).toBe("query");
    expect(route("/q")).toBe("fallback");
  });

  it("matches headers on the comma-joined value, with invert and present semantics", () => {
    const h = headers("x", "/", [["x-tier", "gold"], ["x-tier", "beta"]]);
    expect(headerMatches(h, { name: "x-tier", string_match: { exact: "gold,beta" } })).toBe(true);
    expect(headerMatches(h, { name: "x-tier", string_match: { prefix: "gold" }, invert_match: true })).toBe(false);
    expect(headerMatches(h, { name: "x-missing", present_match: true })).toBe(false);
    expect(headerMatches(h, { name: "x-missing", present_match: true, invert_match: true })).toBe(true);
    expect(headerMatches(h, { name: "x-missing", string_match: { exact: "" }, treat_missing_header_as_empty: true })).toBe(true);
    expect(headerMatches(h, { name: "x-missing", string_match: { exact: "gold" } })).toBe(false);
  });
});
