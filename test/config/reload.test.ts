import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";

let tg: TestTollgate | undefined;
afterEach(async () => {
  await tg?.stop();
  tg = undefined;
});

async function metric(tg: TestTollgate, result: string): Promise<number> {
  const m = await tg.metrics.configReloads.get();
  return m.values.find((v) => v.labels.result === result)?.value ?? 0;
}

async function until(cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("config hot reload", () => {
  it("swaps in a valid config and keeps the old one when the new file is invalid", async () => {
    tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV });
    const before = tg.config.current();
    writeFileSync(tg.configFile, `${BASE_CONFIG}\nunknown_paths: pass\n`);
    expect(await tg.config.reload()).toBe(true);
    expect(tg.config.current()).not.toBe(before);
    expect(tg.config.current().config.unknown_paths).toBe("pass");
    const good = tg.config.current();

    writeFileSync(tg.configFile, `${BASE_CONFIG}\nunknown_paths: maybe\n`);
    expect(await tg.config.reload()).toBe(false);
    expect(tg.config.current()).toBe(good);
    expect(await metric(tg, "success")).toBe(1);
    expect(await metric(tg, "failure")).toBe(1);
    const err = tg.logs().find((l) => l.msg === "config reload failed; the previous config stays in force");
    expect(String((err?.errors as string[])[0])).toMatch(/tollgate\.yaml:\d+:\d+: unknown_paths: /);
  });

  it("reloads by itself when the file changes", async () => {
    tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV, watch: true });
    writeFileSync(tg.configFile, `${BASE_CONFIG}\nunknown_paths: pass\n`);
    await until(() => tg!.config.current().config.unknown_paths === "pass");
    expect(await metric(tg, "success")).toBeGreaterThanOrEqual(1);
  });
});
