// How ext_proc turns header maps into protos and applies HeaderMutation / BodyMutation replies
// (source/extensions/filters/http/ext_proc/mutation_utils.cc, Envoy ≈1.31–1.35 semantics):
// values travel in raw_value only; set_headers honours only the deprecated `append` BoolValue (append_action is
// ignored, envoy#36982); rule violations are ignored or fail per disallow_is_error; malformed mutations always fail.
import type { StringMatcher } from "../envoy-config/schema.js";
import { HeaderMap, headerNameIsValid, headerValueIsValid } from "./header-map.js";
import type { MutationChecker } from "./mutation-rules.js";
import { stringMatches } from "./string-matcher.js";
import type { OutgoingHeaderMap, WireBodyMutation, WireHeaderMutation } from "./wire-types.js";

export interface ForwardRules {
  allowed: StringMatcher[];
  disallowed: StringMatcher[];
}

export interface HeaderLimits {
  /** HCM common_http_protocol_options.max_headers_count (default 100). */
  maxHeadersCount: number;
  /** HCM max_request_headers_kb (default 60). */
  maxHeadersKb: number;
}

export const DEFAULT_HEADER_LIMITS: HeaderLimits = { maxHeadersCount: 100, maxHeadersKb: 60 };

/** MutationUtils::headerCanBeForwarded: disallowed wins, then the allowed list if one is set. */
function canForward(key: string, rules: ForwardRules): boolean {
  if (rules.disallowed.some((m) => stringMatches(m, key))) return false;
  return rules.allowed.length === 0 || rules.allowed.some((m) => stringMatches(m, key));
}

/** MutationUtils::headersToProto: one entry per header, key as stored, value in raw_value. */
export function headersToProto(headers: HeaderMap, rules: ForwardRules): OutgoingHeaderMap {
  return {
    headers: headers
      .entries()
      .filter((e) => canForward(e.key, rules))
      // An empty value is proto3's default and so is not on the wire.
      .map((e) => (e.value.length > 0 ? { key: e.key, raw_value: Buffer.from(e.value) } : { key: e.key })),
  };
}

export type MutationOutcome = { ok: true; rejected: number } | { ok: false; error: string };

export interface MutationOptions {
  checker: MutationChecker;
  /** CONTINUE_AND_REPLACE lets :method change even though it is a routing header. */
  replacingMessage: boolean;
  /** In body modes that drop content-length, a content-length set is silently skipped. */
  removeContentLength: boolean;
  limits: HeaderLimits;
}

export function applyHeaderMutations(mutation: WireHeaderMutation, headers: HeaderMap, opts: MutationOptions): MutationOutcome {
  const removes = mutation.remove_headers ?? [];
  const sets = mutation.set_headers ?? [];
  if (removes.length > opts.limits.maxHeadersCount || sets.length > opts.limits.maxHeadersCount) {
    return { ok: false, error: `Header mutation remove header count ${removes.length} or set header count ${sets.length} exceed the HCM header count limit ${opts.limits.maxHeadersCount}` };
  }
  let rejected = 0;
  for (const raw of removes) {
    if (!headerNameIsValid(raw)) return { ok: false, error: "Invalid character in remove_headers mutation." };
    const name = raw.toLowerCase();
    const result = opts.checker.check("REMOVE", name, Buffer.alloc(0));
    if (result === "FAIL") return { ok: false, error: `Invalid attempt to remove ${name}` };
    if (result === "IGNORE") rejected++;
    else headers.remove(name);
  }
  for (const option of sets) {
    const header = option.header;
    if (!header) continue;
    const raw = header.raw_value ?? Buffer.alloc(0);
    if ((header.value ?? "") !== "" && raw.length > 0) {
      return { ok: false, error: "Only one of value or raw_value in the HeaderValue message should be set." };
    }
    // Only raw_value is read: a mutation that fills `value` alone sets an empty header (envoy#31555).
    const key = header.key ?? "";
    if (!headerNameIsValid(key) || !headerValueIsValid(raw)) return { ok: false, error: "Invalid character in set_headers mutation." };
    const name = key.toLowerCase();
    if (opts.removeContentLength && name === "content-length") continue;
    const append = option.append?.value === true;
    const op = append && headers.has(name) ? "APPEND" : "SET";
    let result = opts.checker.check(op, name, raw);
    if (opts.replacingMessage && name === ":method") result = "OK";
    if (result === "FAIL") return { ok: false, error: `Invalid attempt to modify ${name}` };
    if (result === "IGNORE") {
      rejected++;
      continue;
    }
    if (append) headers.addCopy(name, raw);
    else headers.setCopy(name, raw);
  }
  if (headers.byteSize() > opts.limits.maxHeadersKb * 1024 || headers.size > opts.limits.maxHeadersCount) {
    return { ok: false, error: `Header mutation causes end result header count ${headers.size} or header size ${headers.byteSize()} bytes, exceeding the count limit ${opts.limits.maxHeadersCount} or the size limit ${opts.limits.maxHeadersKb} kilobytes` };
  }
  return { ok: true, rejected };
}

/** MutationUtils::applyBodyMutations: `body` replaces, `clear_body` empties, an empty mutation changes nothing. */
export function applyBodyMutation(mutation: WireBodyMutation | undefined, data: Buffer): Buffer {
  if (!mutation) return data;
  if (mutation.body !== undefined || mutation.mutation === "body") return Buffer.from(mutation.body ?? Buffer.alloc(0));
  if (mutation.clear_body === true) return Buffer.alloc(0);
  return data;
}

/** MutationUtils::isValidHttpStatus. */
export function isValidHttpStatus(code: number): boolean {
  return code >= 200;
}
