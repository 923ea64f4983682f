// The router's retry decision and back-off (source/common/router/retry_state_impl.cc and
// source/common/common/backoff_strategy.cc JitteredExponentialBackOffStrategy).
import type { RetryPolicy } from "../envoy-config/schema.js";
import { durationMs } from "../envoy-config/model.js";

export type AttemptFailure =
  | { kind: "connect-failure" }
  | { kind: "reset" }
  | { kind: "per-try-timeout" }
  | { kind: "status"; status: number };

export class RetryState {
  private readonly on: Set<string>;
  private readonly maxRetries: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private retries = 0;
  private backoffStep = 1;

  constructor(private readonly policy: RetryPolicy | undefined) {
    this.on = new Set((policy?.retry_on ?? "").split(",").map((s) => s.trim()).filter(Boolean));
    this.maxRetries = policy ? (policy.num_retries ?? 1) : 0;
    this.baseMs = durationMs(policy?.retry_back_off?.base_interval) ?? 25;
    this.maxMs = durationMs(policy?.retry_back_off?.max_interval) ?? this.baseMs * 10;
  }

  get enabled(): boolean {
    return this.policy !== undefined && this.on.size > 0;
  }

  /** RetryStateImpl::wouldRetryFromReset / wouldRetryFromHeaders. */
  retriable(f: AttemptFailure): boolean {
    const any5xx = this.on.has("5xx");
    const gateway = this.on.has("gateway-error");
    switch (f.kind) {
      case "connect-failure":
        return any5xx || gateway || this.on.has("connect-failure") || this.on.has("reset");
      case "reset":
        return any5xx || gateway || this.on.has("reset");
      case "per-try-timeout":
        return any5xx || gateway || this.on.has("reset");
      case "status":
        return (
          (any5xx && f.status >= 500) ||
          (gateway && [502, 503, 504].includes(f.status)) ||
          (this.on.has("retriable-4xx") && f.status === 409) ||
          (this.on.has("retriable-status-codes") && (this.policy?.retriable_status_codes ?? []).includes(f.status))
        );
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined when no retry is left for this failure. */
  nextBackoff(f: AttemptFailure): number | undefined {
    if (!this.enabled || this.retries >= this.maxRetries || !this.retriable(f)) return undefined;
    this.retries++;
    const ceiling = ((1 << this.backoffStep) - 1) * this.baseMs;
    if (ceiling <= this.maxMs) this.backoffStep++;
    return Math.min(Math.floor(Math.random() * ceiling), this.maxMs);
  }
}
