// `npm run bench [-- SUITE [flags]]`: runs benchmark suites. SUITE is extproc, guardrails, budget or all (the
// default). Flags after the suite name go to the ext_proc suite (`npm run bench -- extproc --help`).
// The guardrails and budget suites live in their own files, written alongside this one; until a file exists its
// suite is reported as missing instead of failing the whole run.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { benchExtProc } from "./extproc.js";

interface Suite {
  name: string;
  /** Module (relative to bench/) and export to call; the ext_proc suite is imported statically. */
  file?: string;
  exportName?: string;
  run?: (argv: string[]) => Promise<void>;
}

const SUITES: Suite[] = [
  { name: "extproc", run: benchExtProc },
  { name: "guardrails", file: "guardrails", exportName: "benchGuardrails" },
  { name: "budget", file: "budget", exportName: "benchBudget" },
];

async function runSuite(suite: Suite, argv: string[]): Promise<void> {
  if (suite.run) return suite.run(argv);
  const file = suite.file ?? suite.name;
  // The .ts source under tsx; the same specifier resolves to .js if bench/ is ever compiled.
  if (!existsSync(fileURLToPath(new URL(`./${file}.ts`, import.meta.url))) && !existsSync(fileURLToPath(new URL(`./${file}.js`, import.meta.url)))) {
    throw new MissingSuite(`bench/${file}.ts does not exist yet: the ${suite.name} suite is not written`);
  }
  // A variable specifier keeps the type checker from resolving a file that may not exist yet.
  const specifier = `./${file}.js`;
  const mod: unknown = await import(specifier);
  const fn = (mod as Record<string, unknown>)[suite.exportName ?? ""];
  if (typeof fn !== "function") throw new Error(`bench/${file}.ts does not export ${suite.exportName}()`);
  await (fn as () => Promise<void>)();
}

class MissingSuite extends Error {}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  const named = first !== undefined && !first.startsWith("-");
  const choice = named ? first : "all";
  const argv = named ? rest : process.argv.slice(2);
  const selected = choice === "all" ? SUITES : SUITES.filter((s) => s.name === choice);
  if (selected.length === 0) {
    console.error(`unknown suite "${choice}"; use one of: ${SUITES.map((s) => s.name).join(", ")}, all`);
    process.exitCode = 2;
    return;
  }
  for (const suite of selected) {
    console.log(`\n=== bench: ${suite.name} ===`);
    try {
      await runSuite(suite, argv);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`${suite.name}: ${message}`);
      // With `all`, a suite not written yet is skipped; asked for by name, it is an error.
      if (!(err instanceof MissingSuite) || choice !== "all") process.exitCode = 1;
    }
  }
}

await main();
