// envoy.type.matcher.v3.StringMatcher semantics (source/common/common/matchers.cc StringMatcherImpl::match):
// exact / prefix / suffix / contains, optional ignore_case, and safe_regex as an RE2 full match.
import type { StringMatcher } from "../envoy-config/schema.js";

export function stringMatches(m: StringMatcher, value: string): boolean {
  const fold = (s: string): string => (m.ignore_case === true ? s.toLowerCase() : s);
  if (m.exact !== undefined) return fold(value) === fold(m.exact);
  if (m.prefix !== undefined) return fold(value).startsWith(fold(m.prefix));
  if (m.suffix !== undefined) return fold(value).endsWith(fold(m.suffix));
  if (m.contains !== undefined) return fold(value).includes(fold(m.contains));
  if (m.safe_regex !== undefined) return new RegExp(`^(?:${m.safe_regex.regex})$`).test(value);
  return false;
}
