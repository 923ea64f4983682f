import { describe, expect, it } from "vitest";
import { createStore, storeSchema } from "../../src/state/config.js";

describe("store config", () => {
  it("defaults to the embedded memory store", async () => {
    expect(storeSchema.parse(undefined)).toEqual({ kind: "memory" });
    const store = createStore(storeSchema.parse(undefined));
    expect(store.kind).toBe("memory");
    expect(store.status.snapshot()).toMatchObject({ backend: "memory", state: "ok", errors: 0 });
    await store.close();
  });

  it("fills Redis defaults and names bad keys", () => {
    expect(storeSchema.parse({ kind: "redis", url: "redis://127.0.0.1:6379" })).toEqual({
      kind: "redis",
      url: "redis://127.0.0.1:6379",
      cluster: false,
      key_prefix: "tollgate:",
      command_timeout_ms: 50,
      connect_timeout_ms: 2_000,
    });
    const bad = storeSchema.safeParse({ kind: "redis", url: "http://x", command_timeout_ms: 0, extra: 1 });
    expect(bad.success).toBe(false);
    if (bad.success) return;
    expect(bad.error.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["url", "command_timeout_ms", ""]));
  });
});
