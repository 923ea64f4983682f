import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAudit } from "../../src/telemetry/audit-cli.js";
import { makeRecord, openLog, tempDir } from "./audit-helpers.js";
import { captureCli } from "../helpers/cli.js";

const cli = (args: string[]) => captureCli(runAudit, args);

async function auditFile(): Promise<string> {
  const file = join(tempDir(), "audit.jsonl");
  const { log } = openLog({ file });
  for (let i = 0; i < 4; i++) log.append(makeRecord(i));
  await log.close();
  return file;
}

describe("tollgate audit verify", () => {
  it("exits 0 and counts the records of an intact file", async () => {
    const file = await auditFile();
    expect(await cli(["verify", file])).toEqual({ code: 0, out: `${file}: ok (4 records)\n`, err: "" });
  });

  it("exits 1 with one line naming the first problem's line and reason", async () => {
    const file = await auditFile();
    const lines = readFileSync(file, "utf8").split("\n");
    writeFileSync(file, [lines[0], lines[2], lines[3], ""].join("\n")); // record 1 deleted
    const r = await cli(["verify", file]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(`${file}:2: seq 2 where 1 was expected: record 1 is missing (deleted); 1 records verified before it\n`);
  });

  it("exits 1 when the file cannot be read", async () => {
    const r = await cli(["verify", "/nonexistent/audit.jsonl"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^\/nonexistent\/audit\.jsonl: cannot read: .*ENOENT/);
  });

  it("exits 2 with usage on bad arguments, 0 for help", async () => {
    for (const args of [[], ["verify"], ["verify", "a", "b"], ["frobnicate"], ["verify", "--strict", "x"]]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/^tollgate audit: .*\n\nusage: tollgate audit verify FILE/);
    }
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: tollgate audit verify FILE/);
  });
});
