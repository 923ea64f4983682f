// HeaderMutationRules checking, as source/extensions/filters/common/mutation_rules/mutation_rules.cc does it
// (Checker::check / isAllowed / isValidValue). Used for ext_proc header mutations and immediate-response headers.
import type { HeaderMutationRules } from "../envoy-config/schema.js";
import { headerValueIsValid } from "./header-map.js";

export type CheckOperation = "SET" | "APPEND" | "REMOVE";
export type CheckResult = "OK" | "IGNORE" | "FAIL";

/** "host" and ":authority" (Envoy's Host/HostLegacy), ":method", ":scheme": blocked unless allow_all_routing. */
const ROUTING_HEADERS = new Set(["host", ":authority", ":method", ":scheme"]);

/** Envoy's header prefix (bootstrap header_prefix, default "x-envoy"). */
const ENVOY_PREFIX = "x-envoy";

/** RFC 3986 authority characters (HeaderUtility::authorityIsValid via oghttp2's IsValidAuthority). */
const AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]+$/;

export class MutationChecker {
  private readonly allow?: RegExp;
  private readonly disallow?: RegExp;

  constructor(private readonly rules: HeaderMutationRules = {}) {
    // Envoy's regex matchers use RE2 FullMatch, so anchor the expression.
    if (rules.allow_expression) this.allow = new RegExp(`^(?:${rules.allow_expression.regex})$`);
    if (rules.disallow_expression) this.disallow = new RegExp(`^(?:${rules.disallow_expression.regex})$`);
  }

  check(op: CheckOperation, name: string, value: Buffer): CheckResult {
    if (this.isAllowed(op, name) && (op === "REMOVE" || this.isValidValue(name, value))) return "OK";
    return this.rules.disallow_is_error === true ? "FAIL" : "IGNORE";
  }

  private isAllowed(op: CheckOperation, name: string): boolean {
    // HeaderUtility::isModifiableHeader: "host" and any ":" header can never be removed.
    if (op === "REMOVE" && (name.startsWith(":") || name === "host")) return false;
    if (this.disallow?.test(name)) return false;
    if (this.allow?.test(name)) return true;
    if (this.rules.disallow_all === true) return false;
    if (this.rules.allow_all_routing !== true && ROUTING_HEADERS.has(name)) return false;
    // System headers take one value, so appending to them is refused; disallow_system refuses any change.
    if (name.startsWith(":") && (op === "APPEND" || this.rules.disallow_system === true)) return false;
    if (this.rules.allow_envoy !== true && name.startsWith(ENVOY_PREFIX)) return false;
    return true;
  }

  private isValidValue(name: string, value: Buffer): boolean {
    if (!name.startsWith(":") && !headerValueIsValid(value)) return false;
    const text = value.toString("latin1");
    if ((name === ":authority" || name === "host") && !AUTHORITY.test(text)) return false;
    if (name === ":scheme" && !/^https?$/i.test(text)) return false;
    if (name === ":status") {
      if (!/^\d+$/.test(text)) return false;
      if (Number(text) < 200) return false;
    }
    return true;
  }
}
