// Route selection from an inline RouteConfiguration, as source/common/router/config_impl.cc does it:
// virtual host by :authority (exact, then *.suffix wildcards longest first, then prefix.* wildcards, then "*"),
// then the first route whose path specifier, header matchers and query matchers all match.
import type { HeaderMatcher, Route, RouteConfiguration, RouteMatch, VirtualHost } from "../envoy-config/schema.js";
import type { HeaderMap } from "./header-map.js";
import { stringMatches } from "./string-matcher.js";

export interface ResolvedRoute {
  virtualHost: VirtualHost;
  route: Route;
}

/** HeaderUtility::getAllOfHeaderAsString: several values are matched as one comma-joined string. */
function headerValue(headers: HeaderMap, name: string): string | undefined {
  const values = headers.get(name);
  return values.length === 0 ? undefined : values.map((v) => v.toString("latin1")).join(",");
}

/** HeaderUtility::matchHeaders for one HeaderMatcher (absent header: only an inverted present_match passes). */
export function headerMatches(headers: HeaderMap, m: HeaderMatcher): boolean {
  let value = headerValue(headers, m.name);
  if (value === undefined) {
    if (m.treat_missing_header_as_empty !== true) {
      if (m.present_match !== undefined) return (m.present_match === false) !== (m.invert_match === true);
      return false;
    }
    value = "";
  }
  let matched: boolean;
  if (m.present_match !== undefined) matched = m.present_match;
  else if (m.exact_match !== undefined) matched = value === m.exact_match;
  else if (m.safe_regex_match !== undefined) matched = new RegExp(`^(?:${m.safe_regex_match.regex})$`).test(value);
  else if (m.prefix_match !== undefined) matched = value.startsWith(m.prefix_match);
  else if (m.suffix_match !== undefined) matched = value.endsWith(m.suffix_match);
  else if (m.contains_match !== undefined) matched = value.includes(m.contains_match);
  else if (m.string_match !== undefined) matched = stringMatches(m.string_match, value);
  else if (m.range_match !== undefined) {
    const n = Number(value);
    matched = /^-?\d+$/.test(value) && n >= m.range_match.start && n < m.range_match.end;
  } else matched = true;
  return matched !== (m.invert_match === true);
}

function pathMatches(match: RouteMatch, rawPath: string): boolean {
  const path = rawPath.split(/[?#]/)[0] ?? "";
  const caseSensitive = match.case_sensitive !== false;
  const fold = (s: string): string => (caseSensitive ? s : s.toLowerCase());
  if (match.prefix !== undefined) return fold(path).startsWith(fold(match.prefix));
  if (match.path !== undefined) return fold(path) === fold(match.path);
  if (match.safe_regex !== undefined) return new RegExp(`^(?:${match.safe_regex.regex})$`).test(path);
  if (match.path_separated_prefix !== undefined) {
    const p = match.path_separated_prefix;
    return fold(path) === fold(p) || fold(path).startsWith(`${fold(p)}/`);
  }
  return false;
}

function queryMatches(match: RouteMatch, rawPath: string): boolean {
  const query = new URLSearchParams(rawPath.includes("?") ? rawPath.slice(rawPath.indexOf("?") + 1) : "");
  return (match.query_parameters ?? []).every((q) => {
    const value = query.get(q.name);
    if (q.present_match !== undefined) return (value !== null) === q.present_match;
    if (value === null) return false;
    return q.string_match ? stringMatches(q.string_match, value) : true;
  });
}

export function routeMatches(match: RouteMatch, headers: HeaderMap): boolean {
  const path = headers.getString(":path") ?? "";
  if (!pathMatches(match, path)) return false;
  if (match.grpc !== undefined && !(headers.getString("content-type") ?? "").startsWith("application/grpc")) return false;
  if (!(match.headers ?? []).every((h) => headerMatches(headers, h))) return false;
  return queryMatches(match, path);
}

export class RouteTable {
  constructor(readonly config: RouteConfiguration) {}

  private virtualHost(authority: string): VirtualHost | undefined {
    const host = authority.toLowerCase();
    const hosts = this.config.virtual_hosts;
    const exact = hosts.find((vh) => vh.domains.some((d) => d.toLowerCase() === host));
    if (exact) return exact;
    let best: { vh: VirtualHost; length: number } | undefined;
    for (const vh of hosts) {
      for (const d of vh.domains.map((x) => x.toLowerCase())) {
        if (d.length > 1 && d.startsWith("*") && host.endsWith(d.slice(1)) && host.length > d.length - 1) {
          if (!best || d.length > best.length) best = { vh, length: d.length };
        }
      }
    }
    if (best) return best.vh;
    for (const vh of hosts) {
      for (const d of vh.domains.map((x) => x.toLowerCase())) {
        if (d.length > 1 && d.endsWith("*") && host.startsWith(d.slice(0, -1)) && host.length > d.length - 1) {
          if (!best || d.length > best.length) best = { vh, length: d.length };
        }
      }
    }
    return best?.vh ?? hosts.find((vh) => vh.domains.includes("*"));
  }

  match(headers: HeaderMap): ResolvedRoute | null {
    const vh = this.virtualHost(headers.getString(":authority") ?? "");
    if (!vh) return null;
    const route = vh.routes.find((r) => routeMatches(r.match, headers));
    return route ? { virtualHost: vh, route } : null;
  }
}
