// Reading and writing Envoy header maps. Envoy (≥1.29) sends header values only in `raw_value` bytes and reads
// mutations only from `raw_value` (a mutation with just `value` sets an empty header, Envoy issue #31555).
import type { HeaderMap, HeaderMutation, HeaderValueOption } from "./types.js";
import type { HeaderChanges } from "../policies/types.js";

/**
 * Decodes a header map into lower-case name → value. Repeated headers are joined with ", " as HTTP allows;
 * invalid UTF-8 becomes U+FFFD rather than failing the request.
 */
export function decodeHeaders(map: HeaderMap | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const h of map?.headers ?? []) {
    if (typeof h.key !== "string" || h.key.length === 0) continue;
    const key = h.key.toLowerCase();
    const value = h.raw_value && h.raw_value.length > 0 ? h.raw_value.toString("utf8") : (h.value ?? "");
    const prev = out.get(key);
    out.set(key, prev === undefined ? value : `${prev}, ${value}`);
  }
  return out;
}

function setOption(key: string, value: string): HeaderValueOption {
  return { header: { key: key.toLowerCase(), raw_value: Buffer.from(value, "utf8") }, append: { value: false } };
}

/** Builds an ext_proc HeaderMutation; undefined when there is nothing to change (keeps replies minimal). */
export function toHeaderMutation(changes: HeaderChanges | undefined): HeaderMutation | undefined {
  if (!changes) return undefined;
  const set = Object.entries(changes.set ?? {}).map(([k, v]) => setOption(k, v));
  const remove = [...new Set((changes.remove ?? []).map((k) => k.toLowerCase()))];
  if (set.length === 0 && remove.length === 0) return undefined;
  const mutation: HeaderMutation = {};
  if (set.length > 0) mutation.set_headers = set;
  if (remove.length > 0) mutation.remove_headers = remove;
  return mutation;
}

/** Merges header changes; later sets win, and a later set of a removed header un-removes it. */
export function mergeHeaderChanges(a: HeaderChanges | undefined, b: HeaderChanges | undefined): HeaderChanges | undefined {
  if (!a) return b;
  if (!b) return a;
  const set = { ...(a.set ?? {}) };
  const remove = new Set(a.remove ?? []);
  for (const k of b.remove ?? []) {
    remove.add(k);
    delete set[k];
  }
  for (const [k, v] of Object.entries(b.set ?? {})) {
    set[k] = v;
    remove.delete(k);
  }
  return { set, remove: [...remove] };
}
