import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Authenticator, KeyStore, presentedKey } from "../../src/policies/auth.js";

const sha = (k: string) => createHash("sha256").update(k).digest("hex");
const keys = new KeyStore([
  { id: "a", sha256: sha("key-a"), cohort: "c1", routes: ["chat"], disabled: false },
  { id: "off", sha256: sha("key-off"), cohort: "c1", routes: [], disabled: true },
]);
const auth = new Authenticator(keys, true, Buffer.from("s3cret"));
const h = (o: Record<string, string>) => new Map(Object.entries(o));

describe("auth", () => {
  it("finds the key in Authorization: Bearer or x-api-key", () => {
    expect(presentedKey(h({ authorization: "Bearer key-a" }))).toBe("key-a");
    expect(presentedKey(h({ authorization: "bearer   key-a " }))).toBe("key-a");
    expect(presentedKey(h({ "x-api-key": "key-a" }))).toBe("key-a");
    expect(presentedKey(h({ authorization: "Basic abc" }))).toBeUndefined();
  });

  it("maps a valid key to its principal and refuses unknown, disabled and missing keys", () => {
    expect(auth.authenticate(h({ authorization: "Bearer key-a" }))).toEqual({ allow: true, principal: { keyId: "a", cohort: "c1", routes: ["chat"] } });
    for (const headers of [h({ authorization: "Bearer nope" }), h({ "x-api-key": "key-off" }), h({})]) {
      const d = auth.authenticate(headers);
      expect(d.allow).toBe(false);
      if (!d.allow) expect(d.denial.status).toBe(401);
    }
    const open = new Authenticator(keys, false, Buffer.from("x"));
    expect(open.authenticate(h({}))).toMatchObject({ allow: true, principal: { keyId: "anonymous" } });
  });

  it("trusts principal headers only with a valid signature bound to the request id", () => {
    const principal = { keyId: "a", cohort: "c1", routes: ["chat", "tools"] };
    const signed = h(auth.principalHeaders(principal, "req-1"));
    expect(auth.verifiedPrincipal(signed, "req-1")).toEqual(principal);
    expect(auth.verifiedPrincipal(signed, "req-2")).toBeUndefined();
    const forged = new Map(signed);
    forged.set("x-tollgate-cohort", "admins");
    expect(auth.verifiedPrincipal(forged, "req-1")).toBeUndefined();
    const otherReplica = new Authenticator(keys, true, Buffer.from("different"));
    expect(otherReplica.verifiedPrincipal(signed, "req-1")).toBeUndefined();
  });
});
