// The budget engine: reserve before forwarding, top up while a stream runs, reconcile to the provider's usage after.
//
// Guarantee: a counter's check-and-add is one atomic store operation covering every rule that applies (all or none),
// so no cap is passed by admissions, whatever the concurrency and however many replicas share the store. What can pass
// a cap is only the difference between a reservation and the usage reported later: prompt tokens we counted lower
// than the provider (see tokenizer.ts), or output beyond the reservation. Streams top their reservation up before
// they exceed it and are cut (or allowed to finish, per rule) when the top-up is refused; a buffered response cannot
// be cut, so it is charged in full and the next request is refused.
import type { Logger } from "pino";
import type { Usage } from "../../exchange/model.js";
import { StoreUnavailableError, type CounterUsage, type LeaseItem, type Store } from "../../state/store.js";
import { BudgetAlerts } from "./alerts.js";
import { denialMessage, deny, limitStatus, type BudgetDenial } from "./denials.js";
import { rateLimitHeaders, retryAfterSeconds, type LimitStatus } from "./headers.js";
import { applicableRules, counterFor, ruleDimensions, scopeValues, type Scope } from "./limits.js";
import type { BudgetMetrics } from "./metrics.js";
import { costMicros, type PriceTable } from "./prices.js";
import { amountFor, heldAmount, outputWithin, type Held, type Reservation } from "./reservation.js";
import type { Dimension, LimitKind, LimitRule, LimitsConfig } from "./schema.js";
import { WebhookSender } from "./webhook.js";

export type { BudgetDenial, DenialCode } from "./denials.js";
export type { Held, Reservation } from "./reservation.js";

export type BudgetPhase = "requests" | "usage" | "all";

export interface ReserveInput {
  scope: Scope;
  model?: string | undefined;
  /** Prompt tokens counted and output tokens expected. Absent for calls that are not LLM calls: request limits only. */
  estimate?: { inputTokens: number; outputTokens: number } | undefined;
  /** "requests": request-rate rules only (the early check); "usage": token and money rules; "all": every rule. */
  phase: BudgetPhase;
}

export type Admission =
  | { ok: true; reservation: Reservation; limits: LimitStatus[]; headers: Record<string, string>; unenforced: string[] }
  | { ok: false; denial: BudgetDenial };

export type StreamVerdict =
  | { action: "continue" }
  | { action: "finish"; rule: string }
  | { action: "cut"; rule: string; allowedOutputTokens: number; denial: BudgetDenial };

export interface EngineDeps {
  store: Store;
  prices: PriceTable;
  metrics?: BudgetMetrics | undefined;
  logger?: Logger | undefined;
  clock?: (() => number) | undefined;
  /** Alert delivery; built from the config when absent. */
  sender?: WebhookSender | undefined;
}

const KINDS: Record<BudgetPhase, LimitKind[]> = { requests: ["requests"], usage: ["tokens", "money"], all: ["requests", "tokens", "money"] };
/** Output tokens added per top-up beyond what is needed, so a long stream tops up every so often, not every chunk. */
const TOP_UP_MIN_TOKENS = 256;
const STORE_LOG_INTERVAL_MS = 10_000;

export class BudgetEngine {
  readonly store: Store;
  readonly alerts: BudgetAlerts;
  readonly #sender: WebhookSender;
  readonly #clock: () => number;
  readonly #background = new Set<Promise<void>>();
  #lastStoreLog = 0;
  #suppressed = 0;

  constructor(
    readonly config: LimitsConfig,
    private readonly deps: EngineDeps,
  ) {
    this.store = deps.store;
    this.#clock = deps.clock ?? Date.now;
    this.#sender = deps.sender ?? new WebhookSender(config.alerts);
    this.alerts = new BudgetAlerts({ store: deps.store, sender: this.#sender, metrics: deps.metrics, logger: deps.logger });
    deps.metrics?.watchStore(deps.store.status);
  }

  /** Dimensions the rules of a phase need; the early check runs only when the scope already has all of them. */
  dimensionsFor(phase: BudgetPhase): Set<Dimension> {
    const dims = new Set<Dimension>();
    for (const rule of this.config.rules) if (KINDS[phase].includes(rule.kind)) for (const d of ruleDimensions(rule)) dims.add(d);
    return dims;
  }

  hasRules(phase: BudgetPhase): boolean {
    return this.config.rules.some((rule) => KINDS[phase].includes(rule.kind));
  }

  /** Whether token or money rules apply to this scope (only then is the prompt worth counting). */
  needsEstimate(scope: Scope): boolean {
    return applicableRules(this.config.rules, scope, KINDS.usage).length > 0;
  }

  now(): number {
    return this.#clock();
  }

  async reserve(input: ReserveInput): Promise<Admission> {
    const now = this.#clock();
    const kinds = KINDS[input.phase].filter((kind) => kind === "requests" || input.estimate !== undefined);
    const rules = applicableRules(this.config.rules, input.scope, kinds);
    const price = this.deps.prices.lookup(input.model);
    if (input.estimate && input.model !== undefined && price.entry === undefined) {
      this.deps.metrics?.unknownModels.inc({ model: input.model });
    }
    const reservation: Reservation = { scope: input.scope, model: input.model, price, estimate: input.estimate, held: [], state: "active" };
    if (rules.length === 0) return { ok: true, reservation, limits: [], headers: {}, unenforced: [] };

    const est = input.estimate ?? { inputTokens: 0, outputTokens: 0 };
    const items: LeaseItem[] = rules.map((rule) => ({
      counter: counterFor(rule, input.scope, now, this.config.rollingBuckets),
      cap: rule.cap,
      amount: amountFor(rule, price, est.inputTokens, est.outputTokens, 0),
    }));
    let result;
    try {
      result = await this.store.lease({ items, now, ttlMs: this.config.reservationTtlMs });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return this.#storeDown(error, rules, items, reservation);
    }
    const limits = rules.map((rule, i) => limitStatus(rule, result.usage[i]!));
    if (!result.ok) {
      const rule = rules[result.denied]!;
      const item = items[result.denied]!;
      const headers = rateLimitHeaders(limits, now);
      if (result.retryAt !== undefined) headers["retry-after"] = String(retryAfterSeconds(result.retryAt, now));
      const denial = deny(rule, headers, denialMessage(rule, item.amount, result.usage[result.denied]!.used, result.retryAt === undefined));
      this.deps.metrics?.denials.inc({ rule: rule.name, code: denial.code });
      return { ok: false, denial };
    }
    rules.forEach((rule, i) => reservation.held.push({ rule, counter: items[i]!.counter, leases: [result.leases[i]!], unchecked: false }));
    return { ok: true, reservation, limits, headers: rateLimitHeaders(limits, now), unenforced: [] };
  }

  /**
   * Mid-stream: `outputTokens` seen so far. Within the reservation this is local arithmetic; beyond it the engine tops
   * the reservation up in the store (all or nothing), and a refusal means a cap would be crossed.
   */
  async streamCheck(reservation: Reservation, outputTokens: number): Promise<StreamVerdict> {
    if (reservation.state !== "active" || !reservation.estimate) return { action: "continue" };
    await this.#renewIfDue(reservation);
    const input = reservation.estimate.inputTokens;
    let finished: string | undefined;
    for (;;) {
      const short = reservation.held.filter(
        (h) => h.leases.length > 0 && !h.unchecked && amountFor(h.rule, reservation.price, input, outputTokens, 0) > heldAmount(h),
      );
      if (short.length === 0) return finished ? { action: "finish", rule: finished } : { action: "continue" };
      const refused = await this.#topUp(reservation, short, outputTokens);
      if (refused.length === 0) return finished ? { action: "finish", rule: finished } : { action: "continue" };
      const cut = refused.find((h) => h.rule.onStreamExceed === "cut");
      if (cut) return this.#cut(reservation, short.filter((h) => !h.unchecked), cut.rule);
      // `finish` rules let this response run to its end (the reconcile charges all of it) and stop checking.
      for (const h of refused) h.unchecked = true;
      finished = refused[0]!.rule.name;
    }
  }

  /** A stream that runs past half the reservation ttl renews its leases, so they are not taken back under it. */
  async #renewIfDue(reservation: Reservation): Promise<void> {
    const leases = reservation.held.flatMap((h) => h.leases);
    if (leases.length === 0) return;
    const now = this.#clock();
    const ttl = this.config.reservationTtlMs;
    if (Math.min(...leases.map((lease) => lease.expiresAt)) - now > ttl / 2) return;
    try {
      const renewed = await this.store.renew(leases, ttl, now);
      let i = 0;
      for (const h of reservation.held) h.leases = h.leases.map(() => renewed[i++]!);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.#storeError("renew", error);
    }
  }

  /**
   * Top up the short rules (all or none); returns the rules that refused (empty when granted). On a refusal, the room
   * the capped rules still had is taken too, so a cut stream stops exactly at the cap rather than at its reservation.
   */
  async #topUp(reservation: Reservation, short: Held[], outputTokens: number): Promise<Held[]> {
    const estimate = reservation.estimate!;
    const now = this.#clock();
    const extra = Math.max(TOP_UP_MIN_TOKENS, Math.ceil(estimate.outputTokens / 4));
    const need = (h: Held, output: number) => amountFor(h.rule, reservation.price, estimate.inputTokens, output, 0) - heldAmount(h);
    let room: number[] | undefined;
    let refused: Held[] = [];
    // Ask for some headroom first (fewer store calls on long streams), then for exactly what is needed, then for
    // whatever is left.
    for (const attempt of ["headroom", "exact", "rest"] as const) {
      const amounts = short.map((h, i) =>
        attempt === "headroom" ? need(h, outputTokens + extra) : attempt === "exact" ? need(h, outputTokens) : Math.min(need(h, outputTokens), room![i]!),
      );
      try {
        const result = await this.store.lease({
          items: short.map((h, i) => ({ counter: h.counter, cap: h.rule.cap, amount: amounts[i]! })),
          now,
          ttlMs: this.config.reservationTtlMs,
        });
        if (result.ok) {
          short.forEach((h, i) => h.leases.push(result.leases[i]!));
          if (attempt !== "rest") return [];
          return refused;
        }
        if (attempt === "rest") return refused;
        refused = [short[result.denied]!];
        room = short.map((h, i) => Math.max(0, h.rule.cap - result.usage[i]!.used));
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        this.#storeError("top_up", error);
        // Unverifiable: fail_open rules stop checking, fail_closed rules count as crossed.
        for (const h of short) if (h.rule.fail === "fail_open") h.unchecked = true;
        return short.filter((h) => h.rule.fail === "fail_closed");
      }
    }
    return refused;
  }

  /**
   * Replace the reservation by what the provider reported; check alerts. Settles once. Returns the cost in
   * micro-dollars. `record: false` settles the counters without adding to the spend and token metrics — for a
   * request's second reservation, so one request's usage is counted once.
   */
  async reconcile(reservation: Reservation, usage: Usage, options: { record?: boolean } = {}): Promise<number> {
    if (reservation.state !== "active") return 0;
    reservation.state = "settled";
    const now = this.#clock();
    const labels = { key: reservation.scope.keyId ?? "", cohort: reservation.scope.cohort ?? "", route: reservation.scope.route ?? "" };
    const spent = costMicros(reservation.price.price, usage);
    if (options.record ?? true) {
      this.deps.metrics?.tokens.inc({ ...labels, direction: "input" }, usage.inputTokens);
      this.deps.metrics?.tokens.inc({ ...labels, direction: "output" }, usage.outputTokens);
      this.deps.metrics?.spendMicros.inc(labels, spent);
    }
    if (reservation.held.length === 0) return spent;

    const actuals = reservation.held.map((h) => amountFor(h.rule, reservation.price, usage.inputTokens, usage.outputTokens, usage.cachedInputTokens));
    const settled = reservation.held.filter((h) => h.leases.length > 0);
    const unleased = reservation.held.filter((h) => h.leases.length === 0);
    let usages: CounterUsage[];
    try {
      usages = await this.store.settle(
        settled.flatMap((h) => h.leases.map((lease, j) => ({ lease, actual: j === 0 ? actuals[reservation.held.indexOf(h)]! : 0 }))),
        now,
      );
      // Admitted while the store was down (fail_open): charge what was used now that it may be back.
      if (unleased.length > 0) {
        await this.store.add(unleased.map((h) => ({ counter: h.counter, amount: actuals[reservation.held.indexOf(h)]! })), now);
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // Unsettled leases expire and give the reservation back; this request's usage is missing from the counters.
      this.#storeError("settle", error);
      return spent;
    }
    let offset = 0;
    for (const h of settled) {
      const after = usages[offset + h.leases.length - 1]!;
      offset += h.leases.length;
      this.#inBackground(this.#alerts(h, reservation, after, h.rule.kind === "money" ? actuals[reservation.held.indexOf(h)]! : 0, now));
    }
    return spent;
  }

  /** Give the whole reservation back (error before any output, cancel, denial by a later policy). Settles once. */
  async release(reservation: Reservation): Promise<void> {
    if (reservation.state !== "active") return;
    reservation.state = "settled";
    const leases = reservation.held.flatMap((h) => h.leases);
    if (leases.length === 0) return;
    try {
      await this.store.settle(leases.map((lease) => ({ lease, actual: 0 })), this.#clock());
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.#storeError("release", error);
    }
  }

  /** Resolves when alerts and webhooks started so far are done (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background);
    await this.#sender.idle();
  }

  async #alerts(h: Held, reservation: Reservation, usage: CounterUsage, spent: number, now: number): Promise<void> {
    const scope = scopeValues(h.rule, reservation.scope);
    if (h.rule.alerts.thresholds.length > 0) await this.alerts.thresholds(h.rule, h.counter, scope, usage, now);
    if (spent > 0 && h.rule.alerts.burnRate) await this.alerts.spend(h.rule, h.counter, scope, spent, now);
  }

  #inBackground(task: Promise<void>): void {
    const tracked = task
      .catch((error: unknown) => {
        if (error instanceof StoreUnavailableError) this.#storeError("alert", error);
        else this.deps.logger?.error({ err: error }, "budget alert check failed");
      })
      .finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  #storeDown(error: StoreUnavailableError, rules: LimitRule[], items: LeaseItem[], reservation: Reservation): Admission {
    this.#storeError("lease", error);
    const closed = rules.find((rule) => rule.fail === "fail_closed");
    if (closed) {
      const denial: BudgetDenial = {
        status: 503,
        code: "budget_unavailable",
        rule: closed.name,
        message: `limit "${closed.name}" cannot be checked right now (state store unavailable); try again shortly`,
        headers: { "retry-after": "1" },
      };
      this.deps.metrics?.denials.inc({ rule: closed.name, code: denial.code });
      return { ok: false, denial };
    }
    rules.forEach((rule, i) => reservation.held.push({ rule, counter: items[i]!.counter, leases: [], unchecked: true }));
    return { ok: true, reservation, limits: [], headers: {}, unenforced: rules.map((rule) => rule.name) };
  }

  #cut(reservation: Reservation, short: Held[], rule: LimitRule): StreamVerdict {
    const input = reservation.estimate?.inputTokens ?? 0;
    const allowed = Math.min(...short.map((h) => outputWithin(h, reservation.price, input)));
    const denial = deny(rule, {}, `stopped: this response reached the cap of limit "${rule.name}"`);
    this.deps.metrics?.denials.inc({ rule: rule.name, code: denial.code });
    return { action: "cut", rule: rule.name, allowedOutputTokens: allowed, denial };
  }

  /** Every failure is counted; the log gets the first one and then one line per interval, not one per request. */
  #storeError(operation: string, error: StoreUnavailableError): void {
    this.deps.metrics?.storeErrors.inc({ backend: this.store.kind, operation });
    this.#suppressed += 1;
    const now = Date.now();
    if (now - this.#lastStoreLog < STORE_LOG_INTERVAL_MS) return;
    this.deps.logger?.warn(
      { err: error.message, operation, failures: this.#suppressed, store: this.store.status.snapshot() },
      "budget store unavailable; limits apply their fail mode",
    );
    this.#lastStoreLog = now;
    this.#suppressed = 0;
  }
}
