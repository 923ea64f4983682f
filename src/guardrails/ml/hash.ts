// Deterministic 32-bit hashing for feature indices. FNV-1a is cheap to compute incrementally over a growing
// n-gram (one multiply per code unit), and the murmur3 finaliser spreads its weak low bits before masking.

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** One FNV-1a step: fold a 16-bit code unit into the running hash. */
export function fnvStep(hash: number, codeUnit: number): number {
  return Math.imul(hash ^ codeUnit, FNV_PRIME);
}

/** murmur3 fmix32: avalanche the bits so that masking to a power of two is uniform. */
export function fmix32(hash: number): number {
  let h = hash >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a string range [start, end), seeded so that different feature namespaces do not collide. */
export function fnv1a(text: string, seed = FNV_OFFSET, start = 0, end = text.length): number {
  let h = seed;
  for (let i = start; i < end; i++) h = fnvStep(h, text.charCodeAt(i));
  return h >>> 0;
}

/** Combine two hashes order-dependently (used to chain word hashes into word n-grams). */
export function combineHashes(a: number, b: number): number {
  return fmix32(Math.imul(a ^ 0x9e3779b9, 31) ^ b);
}
