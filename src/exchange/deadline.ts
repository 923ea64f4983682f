// Policy work runs against the phase's time budget. A hook that overruns or throws is a policy failure; the
// route's fail mode then decides whether the request continues without that policy or is refused.

export class PolicyTimeout extends Error {
  constructor(readonly policy: string, readonly budgetMs: number) {
    super(`policy ${policy} overran its ${budgetMs} ms phase budget`);
    this.name = "PolicyTimeout";
  }
}

/**
 * Resolves a hook's result within `remainingMs`. Synchronous results cost nothing extra; only a pending promise
 * gets a timer. A hook that resolves later is left to finish on its own: its result is ignored.
 */
export async function withinBudget<T>(result: T | Promise<T>, policy: string, remainingMs: number): Promise<T> {
  if (!(result instanceof Promise)) return result;
  if (remainingMs <= 0) {
    result.catch(() => undefined);
    throw new PolicyTimeout(policy, 0);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PolicyTimeout(policy, Math.round(remainingMs))), remainingMs);
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
    result.catch(() => undefined);
  }
}
