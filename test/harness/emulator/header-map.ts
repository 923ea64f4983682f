// An Envoy header map: ordered entries with lower-case keys and byte values, pseudo-headers first, duplicates
// kept as separate entries — except Envoy's O(1) "inline" headers, whose addCopy comma-joins onto the existing
// entry (envoy/http/header_map.h INLINE_* lists; source/common/http/header_map_impl.cc HeaderMapImpl::addCopy).

export type HeaderMapKind = "request" | "response" | "trailers";

const REQ_RESP = [
  "connection", "content-type", "x-envoy-decorator-operation", "keep-alive", "proxy-connection", "proxy-status",
  "x-request-id", "transfer-encoding", "upgrade", "via", "content-length", "x-envoy-attempt-count",
];
const REQ = [
  "x-client-trace-id", "x-envoy-downstream-service-cluster", "x-envoy-downstream-service-node",
  "x-envoy-external-address", "x-envoy-force-trace", "x-envoy-hedge-on-per-try-timeout", "x-envoy-internal",
  "x-envoy-ip-tags", "x-envoy-retry-on", "x-envoy-retry-grpc-on", "x-envoy-retriable-status-codes",
  "x-envoy-retriable-header-names", "x-envoy-original-path", "x-envoy-original-url", "x-envoy-upstream-alt-stat-name",
  "x-envoy-upstream-rq-timeout-alt-response", "expect", "x-forwarded-client-cert", "x-forwarded-for",
  "x-forwarded-host", "x-forwarded-proto", "grpc-timeout", ":authority", ":method", ":path", ":protocol", ":scheme",
  "te", "user-agent", "x-envoy-expected-rq-timeout-ms", "x-envoy-max-retries", "x-envoy-upstream-rq-timeout-ms",
  "x-envoy-upstream-rq-per-try-timeout-ms", "x-envoy-upstream-stream-duration-ms",
];
const RESP = [
  "date", "x-envoy-degraded", "x-envoy-immediate-health-check-fail", "x-envoy-ratelimited", "x-envoy-upstream-canary",
  "x-envoy-upstream-healthchecked-cluster", "location", "server", "x-envoy-upstream-service-time", ":status",
  "grpc-status", "grpc-message",
];
const INLINE: Record<HeaderMapKind, ReadonlySet<string>> = {
  request: new Set([...REQ_RESP, ...REQ]),
  response: new Set([...REQ_RESP, ...RESP]),
  trailers: new Set(["grpc-status", "grpc-message"]),
};

export interface HeaderEntry {
  key: string;
  value: Buffer;
}

export class HeaderMap {
  private list: HeaderEntry[] = [];

  constructor(readonly kind: HeaderMapKind) {}

  static from(kind: HeaderMapKind, pairs: Iterable<readonly [string, string | Buffer]>): HeaderMap {
    const map = new HeaderMap(kind);
    for (const [k, v] of pairs) map.addCopy(k, v);
    return map;
  }

  entries(): readonly HeaderEntry[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Bytes of keys and values, as HeaderMapImpl::byteSize counts them for max_request_headers_kb. */
  byteSize(): number {
    return this.list.reduce((n, e) => n + e.key.length + e.value.length, 0);
  }

  get(key: string): Buffer[] {
    const k = key.toLowerCase();
    return this.list.filter((e) => e.key === k).map((e) => e.value);
  }

  /** First value as a latin1 string (header bytes are opaque; latin1 keeps them 1:1). */
  getString(key: string): string | undefined {
    return this.get(key)[0]?.toString("latin1");
  }

  has(key: string): boolean {
    const k = key.toLowerCase();
    return this.list.some((e) => e.key === k);
  }

  remove(key: string): number {
    const k = key.toLowerCase();
    const before = this.list.length;
    this.list = this.list.filter((e) => e.key !== k);
    return before - this.list.length;
  }

  /** Replaces every value of key with one entry (HeaderMapImpl::setCopy). */
  setCopy(key: string, value: string | Buffer): void {
    const k = key.toLowerCase();
    const v = typeof value === "string" ? Buffer.from(value, "latin1") : value;
    const at = this.list.findIndex((e) => e.key === k);
    if (at === -1) {
      this.insert({ key: k, value: v });
      return;
    }
    this.list[at] = { key: k, value: v };
    this.list = this.list.filter((e, i) => e.key !== k || i === at);
  }

  /** Adds a value: a new entry, or for inline headers a ","-join onto the existing one (HeaderMapImpl::addCopy). */
  addCopy(key: string, value: string | Buffer): void {
    const k = key.toLowerCase();
    const v = typeof value === "string" ? Buffer.from(value, "latin1") : value;
    const existing = INLINE[this.kind].has(k) ? this.list.find((e) => e.key === k) : undefined;
    if (existing) {
      existing.value = existing.value.length === 0 ? v : Buffer.concat([existing.value, Buffer.from(","), v]);
      return;
    }
    this.insert({ key: k, value: v });
  }

  /** Appends to an existing value with a delimiter, or adds it (HeaderMapImpl::appendCopy). */
  appendCopy(key: string, value: string, delimiter = ","): void {
    const k = key.toLowerCase();
    const existing = this.list.find((e) => e.key === k);
    if (!existing) {
      this.insert({ key: k, value: Buffer.from(value, "latin1") });
      return;
    }
    existing.value = Buffer.concat([existing.value, Buffer.from(existing.value.length > 0 ? delimiter : ""), Buffer.from(value, "latin1")]);
  }

  clone(): HeaderMap {
    const copy = new HeaderMap(this.kind);
    copy.list = this.list.map((e) => ({ key: e.key, value: Buffer.from(e.value) }));
    return copy;
  }

  /** Pseudo-headers stay in front of regular headers, as Envoy's header map keeps them. */
  private insert(entry: HeaderEntry): void {
    if (entry.key.startsWith(":")) {
      const firstRegular = this.list.findIndex((e) => !e.key.startsWith(":"));
      this.list.splice(firstRegular === -1 ? this.list.length : firstRegular, 0, entry);
    } else {
      this.list.push(entry);
    }
  }
}

/** RFC 9110 token characters: what HeaderUtility::headerNameIsValid accepts (source/common/http/header_utility.cc). */
export function headerNameIsValid(name: string): boolean {
  const body = name.startsWith(":") ? name.slice(1) : name;
  return body.length > 0 && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(body);
}

/**
 * HeaderUtility::headerValueIsValid (source/common/http/header_utility.cc, via oghttp2's HeaderValidator with
 * obs-text allowed): HTAB, visible ASCII, space and bytes ≥ 0x80; any other control byte or DEL is invalid.
 */
export function headerValueIsValid(value: Buffer): boolean {
  return value.every((b) => b === 0x09 || (b >= 0x20 && b !== 0x7f));
}
