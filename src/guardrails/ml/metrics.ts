// Binary classification metrics. ROC AUC is the Mann–Whitney statistic with ties counted half, so it needs no
// threshold; the rest are computed at a given threshold (score >= threshold means "flagged").

export interface BinaryMetrics {
  n: number;
  positives: number;
  negatives: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** False-positive rate: fp / negatives. */
  fpr: number;
  accuracy: number;
  /** NaN when only one class is present. */
  rocAuc: number;
}

function checkLengths(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) throw new RangeError(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
}

/** Ratio that is 0 (not NaN) for an empty denominator, the usual convention for precision/recall reports. */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths(labels, scores);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let rankSumPos = 0;
  let positives = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (labels[order[t] as number] === 1) {
        rankSumPos += averageRank;
        positives++;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPos - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function binaryMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): BinaryMetrics {
  checkLengths(labels, scores);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const flagged = (scores[i] as number) >= threshold;
    if (labels[i] === 1) flagged ? tp++ : fn++;
    else flagged ? fp++ : tn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    n: labels.length,
    positives: tp + fn,
    negatives: fp + tn,
    tp,
    fp,
    tn,
    fn,
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    fpr: ratio(fp, fp + tn),
    accuracy: ratio(tp + tn, labels.length),
    rocAuc: rocAuc(labels, scores),
  };
}

/** The threshold (among the observed scores) that maximises F1, found in one sorted sweep. */
export function bestF1Threshold(labels: ArrayLike<number>, scores: ArrayLike<number>): { threshold: number; f1: number } {
  checkLengths(labels, scores);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let totalPositives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) totalPositives++;
  let best = { threshold: 0.5, f1: 0 };
  let tp = 0;
  let flagged = 0;
  for (let i = 0; i < order.length; i++) {
    const index = order[i] as number;
    flagged++;
    if (labels[index] === 1) tp++;
    const next = order[i + 1];
    // Only evaluate at the end of a run of equal scores: a threshold cannot separate ties.
    if (next !== undefined && scores[next] === scores[index]) continue;
    const f1 = ratio(2 * tp, flagged + totalPositives);
    if (f1 > best.f1) best = { threshold: scores[index] as number, f1 };
  }
  return best;
}

/** Smallest threshold whose false-positive rate on the negatives stays at or below maxFpr. */
export function thresholdForFpr(labels: ArrayLike<number>, scores: ArrayLike<number>, maxFpr: number): number {
  checkLengths(labels, scores);
  const negatives: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 1) negatives.push(scores[i] as number);
  if (negatives.length === 0) return 0;
  negatives.sort((a, b) => b - a);
  const allowed = Math.floor(maxFpr * negatives.length); // how many negatives may score >= threshold
  const boundary = negatives[allowed];
  // Just above the first negative that must stay below the threshold.
  return boundary === undefined ? 0 : Math.min(1, boundary + 1e-9);
}

/** The q-quantile (0..1) of ascending values, nearest rank without interpolation; `empty` when there are none. */
export function percentile(sorted: ArrayLike<number>, q: number, empty = Number.NaN): number {
  if (sorted.length === 0) return empty;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
