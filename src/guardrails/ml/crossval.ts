// Group-wise cross-validation. Rows that share a group (a source, a source family, the translations of one item)
// always fall on the same side of a split, so a score measures transfer to unseen sources, not template recall.

import { seededRandom, shuffleInPlace } from "./rng.js";

export interface Fold<T> {
  /** The held-out group(s), joined with " + " when a fold holds several. */
  name: string;
  train: T[];
  test: T[];
}

/** One fold per distinct group: train on all other groups, test on that one. Groups are in first-seen order. */
export function leaveOneGroupOut<T>(rows: readonly T[], groupOf: (row: T) => string): Fold<T>[] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const g = groupOf(row);
    const list = groups.get(g);
    if (list) list.push(row);
    else groups.set(g, [row]);
  }
  if (groups.size < 2) throw new RangeError(`leave-one-group-out needs at least two groups, got ${groups.size}`);
  return [...groups.entries()].map(([name, test]) => ({
    name,
    test,
    train: rows.filter((row) => groupOf(row) !== name),
  }));
}

/** k folds with whole groups assigned to folds (seeded shuffle, then greedy balancing by row count). */
export function groupKFold<T>(rows: readonly T[], groupOf: (row: T) => string, k: number, seed = 1): Fold<T>[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer >= 2, got ${k}`);
  const groups = new Map<string, number>();
  for (const row of rows) groups.set(groupOf(row), (groups.get(groupOf(row)) ?? 0) + 1);
  if (groups.size < k) throw new RangeError(`group k-fold needs at least ${k} groups, got ${groups.size}`);
  const names = shuffleInPlace([...groups.keys()], seededRandom(seed)).sort((a, b) => (groups.get(b) ?? 0) - (groups.get(a) ?? 0));
  const foldOf = new Map<string, number>();
  const sizes = new Array<number>(k).fill(0);
  const members: string[][] = Array.from({ length: k }, () => []);
  for (const name of names) {
    let smallest = 0;
    for (let f = 1; f < k; f++) if ((sizes[f] as number) < (sizes[smallest] as number)) smallest = f;
    foldOf.set(name, smallest);
    sizes[smallest] = (sizes[smallest] as number) + (groups.get(name) ?? 0);
    (members[smallest] as string[]).push(name);
  }
  return members.map((names, f) => ({
    name: names.join(" + "),
    train: rows.filter((row) => foldOf.get(groupOf(row)) !== f),
    test: rows.filter((row) => foldOf.get(groupOf(row)) === f),
  }));
}
