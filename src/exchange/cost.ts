/** ctx.state key where the budget policy leaves the request's cost in micro-dollars, for the audit record. */
export const COST_STATE = "cost.usd_micros";
