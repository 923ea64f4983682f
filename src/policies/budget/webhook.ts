// Alert delivery: JSON POST with bounded retries and exponential back-off with jitter, and a bounded number of
// alerts in flight so a dead webhook can never pile up memory or sockets.

export type Delivery = "delivered" | "failed" | "dropped";

export interface WebhookOptions {
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  maxPending: number;
  fetch?: typeof fetch;
}

const MAX_BACKOFF_MS = 30_000;

export class WebhookSender {
  readonly #inFlight = new Set<Promise<Delivery>>();
  readonly #fetch: typeof fetch;

  constructor(private readonly options: WebhookOptions) {
    this.#fetch = options.fetch ?? fetch;
  }

  /** Deliver in the background; the promise says how it ended (it never rejects). */
  send(url: string, payload: unknown): Promise<Delivery> {
    if (this.#inFlight.size >= this.options.maxPending) return Promise.resolve("dropped");
    const delivery = this.#deliver(url, JSON.stringify(payload)).finally(() => this.#inFlight.delete(delivery));
    this.#inFlight.add(delivery);
    return delivery;
  }

  /** Resolves when every alert accepted so far has been delivered or given up on (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  async #deliver(url: string, body: string): Promise<Delivery> {
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      let retry: boolean;
      try {
        const response = await this.#fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "tollgate-budget-alerts" },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) return "delivered";
        // Other 4xx mean the request itself is wrong: sending it again will not help.
        retry = response.status >= 500 || response.status === 429 || response.status === 408;
      } catch {
        retry = true;
      }
      if (!retry || attempt === this.options.maxAttempts) break;
      const base = Math.min(this.options.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * (base / 2)));
    }
    return "failed";
  }
}
