// Store health as a small observable object. The store flips it; health checks, logs and the degraded gauge read it.
// It recovers by itself: the Redis client reconnects, and the first successful command (or `ready`) marks it ok.

export type StoreState = "ok" | "degraded";

export interface StoreStatusSnapshot {
  backend: "memory" | "redis";
  state: StoreState;
  /** Epoch ms of the last state change. */
  since: number;
  /** Message of the error that degraded the store (kept after recovery for the logs). */
  lastError: string | undefined;
  /** Store operations that failed since start. */
  errors: number;
}

export type StatusListener = (status: StoreStatusSnapshot, previous: StoreState) => void;

export class StoreStatus {
  #state: StoreState = "ok";
  #since: number;
  #lastError: string | undefined;
  #errors = 0;
  readonly #listeners = new Set<StatusListener>();

  constructor(
    readonly backend: "memory" | "redis",
    private readonly clock: () => number = Date.now,
  ) {
    this.#since = clock();
  }

  get state(): StoreState {
    return this.#state;
  }

  get degraded(): boolean {
    return this.#state === "degraded";
  }

  snapshot(): StoreStatusSnapshot {
    return {
      backend: this.backend,
      state: this.#state,
      since: this.#since,
      lastError: this.#lastError,
      errors: this.#errors,
    };
  }

  /** Called on every failed operation; only the first one of an outage changes state (and notifies). */
  markError(error: unknown): void {
    this.#errors += 1;
    this.#lastError = error instanceof Error ? error.message : String(error);
    this.#set("degraded");
  }

  markOk(): void {
    this.#set("ok");
  }

  /** Listen for state changes (ok ↔ degraded). Returns the unsubscribe function. */
  onChange(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(next: StoreState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.#since = this.clock();
    const snapshot = this.snapshot();
    for (const listener of this.#listeners) listener(snapshot, previous);
  }
}
