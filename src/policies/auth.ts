// Virtual API keys → principal. ext_authz admits or denies and hands the principal to ext_proc in signed headers;
// ext_proc trusts only a valid signature and otherwise resolves the key itself, so a client cannot forge a
// principal and Tollgate still works where ext_authz is not deployed. Client keys never go upstream: the routing
// policy removes them and sets the provider's credential instead.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { KeyConfig } from "../config/schema.js";
import { PRINCIPAL_HEADERS } from "../envoy/headers.js";
import type { Denial, Policy, Principal } from "./types.js";

export const ANONYMOUS: Principal = Object.freeze({ keyId: "anonymous", cohort: "anonymous", routes: [] });

/** The client's key from `Authorization: Bearer` or `x-api-key` (Anthropic clients send the latter). */
export function presentedKey(headers: ReadonlyMap<string, string>): string | undefined {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const apiKey = headers.get("x-api-key")?.trim();
  return apiKey ? apiKey : undefined;
}

export class KeyStore {
  private readonly byHash = new Map<string, KeyConfig>();

  constructor(keys: readonly KeyConfig[]) {
    for (const k of keys) this.byHash.set(k.sha256, k);
  }

  lookup(key: string): KeyConfig | undefined {
    const entry = this.byHash.get(createHash("sha256").update(key).digest("hex"));
    return entry && !entry.disabled ? entry : undefined;
  }
}

export type AuthDecision = { allow: true; principal: Principal } | { allow: false; denial: Denial };

function deny(status: number, code: string, message: string): AuthDecision {
  const headers: Record<string, string> = status === 401 ? { "www-authenticate": 'Bearer realm="tollgate"' } : {};
  return { allow: false, denial: { status, code, message, headers } };
}

export class Authenticator {
  constructor(
    private readonly keys: KeyStore,
    private readonly required: boolean,
    private readonly secret: Buffer,
  ) {}

  /** Admission from the client's key (ext_authz Check, or ext_proc when no signed principal arrived). */
  authenticate(headers: ReadonlyMap<string, string>): AuthDecision {
    const key = presentedKey(headers);
    if (key === undefined) {
      return this.required ? deny(401, "missing_api_key", "No API key: send Authorization: Bearer <key> or x-api-key.") : { allow: true, principal: ANONYMOUS };
    }
    const entry = this.keys.lookup(key);
    if (!entry) return deny(401, "invalid_api_key", "The API key is not valid.");
    return { allow: true, principal: { keyId: entry.id, cohort: entry.cohort, routes: entry.routes } };
  }

  /** Headers carrying the principal to ext_proc, bound to this request id so they cannot be replayed. */
  principalHeaders(principal: Principal, requestId: string): Record<string, string> {
    const routes = principal.routes.join(",");
    return {
      [PRINCIPAL_HEADERS.keyId]: principal.keyId,
      [PRINCIPAL_HEADERS.cohort]: principal.cohort,
      [PRINCIPAL_HEADERS.routes]: routes,
      [PRINCIPAL_HEADERS.signature]: this.sign(principal.keyId, principal.cohort, routes, requestId),
    };
  }

  /** The principal from signed headers, or undefined when they are absent or the signature does not verify. */
  verifiedPrincipal(headers: ReadonlyMap<string, string>, requestId: string): Principal | undefined {
    const keyId = headers.get(PRINCIPAL_HEADERS.keyId);
    const cohort = headers.get(PRINCIPAL_HEADERS.cohort);
    const routes = headers.get(PRINCIPAL_HEADERS.routes) ?? "";
    const sig = headers.get(PRINCIPAL_HEADERS.signature);
    if (!keyId || !cohort || !sig) return undefined;
    const expected = Buffer.from(this.sign(keyId, cohort, routes, requestId));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return { keyId, cohort, routes: routes ? routes.split(",") : [] };
  }

  private sign(keyId: string, cohort: string, routes: string, requestId: string): string {
    return createHmac("sha256", this.secret).update(`${keyId}\n${cohort}\n${routes}\n${requestId}`).digest("base64url");
  }
}

/** ext_proc side of authentication: a verified principal from ext_authz, else the key itself. */
export function authPolicy(auth: Authenticator): Policy {
  return {
    name: "auth",
    requestHeaders(ctx) {
      const signed = auth.verifiedPrincipal(ctx.requestHeaders, ctx.requestId);
      if (signed) {
        ctx.setPrincipal(signed);
        return { verdict: "continue" };
      }
      const decision = auth.authenticate(ctx.requestHeaders);
      if (!decision.allow) return { verdict: "deny", denial: decision.denial };
      ctx.setPrincipal(decision.principal);
      return { verdict: "continue" };
    },
  };
}
