// `tollgate audit ...`: main.ts hands over the arguments after "audit".
import { parseArgs } from "node:util";
import type { Io } from "../main.js";
import { verifyAuditFile } from "./audit-verify.js";

export const AUDIT_USAGE = `usage: tollgate audit verify FILE

  verify   check FILE's hash chain; prints "FILE: ok (N records)" and exits 0, or names the first broken or
           missing record as FILE:LINE: REASON and exits 1 (also when FILE cannot be read). Usage errors exit 2.
`;

/** Exit code: 0 intact, 1 a problem (or an unreadable file), 2 a usage error. */
export async function runAudit(argv: string[], io: Io): Promise<number> {
  let positionals: string[];
  let help: boolean | undefined;
  try {
    ({ positionals, values: { help } } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { help: { type: "boolean", short: "h" } } }));
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const [command, ...rest] = positionals;
  if (help || command === "help") {
    io.stdout.write(AUDIT_USAGE);
    return 0;
  }
  if (command !== "verify") return usage(io, command === undefined ? "missing subcommand" : `unknown subcommand "${command}"`);
  if (rest.length !== 1) return usage(io, "verify takes exactly one FILE");
  const file = rest[0]!;
  let result;
  try {
    result = await verifyAuditFile(file);
  } catch (err) {
    io.stderr.write(`${file}: cannot read: ${(err as Error).message}\n`);
    return 1;
  }
  if (result.ok) {
    io.stdout.write(`${file}: ok (${result.records} records)\n`);
    return 0;
  }
  const p = result.firstProblem!;
  // One line, grep- and editor-friendly (FILE:LINE: ...), like `tollgate validate`.
  io.stderr.write(`${file}:${p.line}: ${p.reason}; ${result.records} records verified before it\n`);
  return 1;
}

function usage(io: Io, message: string): number {
  io.stderr.write(`tollgate audit: ${message}\n\n${AUDIT_USAGE}`);
  return 2;
}
