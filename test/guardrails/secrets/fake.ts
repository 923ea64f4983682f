// Deterministic fake credentials for tests: every body is drawn from a seeded generator at run time, so the test
// files hold only provider prefixes and no credential-shaped literal (secret scanners and push protection stay
// quiet), and no value here was ever a real key.

export const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
export const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
export const HEX = "0123456789abcdef";
export const URLSAFE = `${ALNUM}_-`;
export const BASE64 = `${ALNUM}+/`;
export const BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

let state = 0x2545f491;

/** Restart the sequence (each describe block can start from the same point). */
export function reseed(seed: number): void {
  state = seed >>> 0 || 1;
}

/** xorshift32: deterministic, fast, good enough to make tokens that look random. */
function next(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}

/** `length` characters from `alphabet`. */
export function rand(length: number, alphabet = ALNUM): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[next() % alphabet.length];
  return out;
}

/** Random digits without a leading zero. */
export function digits(length: number): string {
  return rand(1, "123456789") + rand(length - 1, "0123456789");
}

/** Standard base64 of `bytes` random bytes (with padding). */
export function base64Bytes(bytes: number): string {
  return Buffer.from(Array.from({ length: bytes }, () => next() & 255)).toString("base64");
}

/** A JWT with the given payload and a random signature. */
export function jwt(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }): string {
  const part = (o: Record<string, unknown>): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part(header)}.${part(payload)}.${rand(43, URLSAFE)}`;
}

/** A PEM block of the given type with a random body of 64-character lines. */
export function pem(type: string, lines = 6): string {
  const body = Array.from({ length: lines }, () => rand(64, BASE64)).join("\n");
  return `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----`;
}
