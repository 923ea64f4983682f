// `tollgate scan --evaluator NAME [--threshold T] [--jsonl] [texts...]`
//
// Scans each text argument (or, with no texts, all of stdin as one text); with --jsonl reads one JSON object per
// line with a "text" field from stdin. Writes one JSON verdict per line, in input order. A bad input line yields
// {"line": N, "error": "..."} in its place and scanning goes on.
// Exit status: 0 nothing flagged, 1 something flagged, 2 usage error or at least one bad input line.

import { createInterface } from "node:readline";
import { EVALUATOR_NAMES, createEvaluator, isEvaluatorName } from "./registry.js";
import type { Evaluator } from "./types.js";

export interface ScanIO {
  stdin: NodeJS.ReadableStream;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

const USAGE = `usage: tollgate scan --evaluator NAME [--threshold T] [--jsonl] [texts...]
  NAME: ${EVALUATOR_NAMES.join(", ")}
  --jsonl       read {"text": ...} objects, one per line, from stdin
  --threshold   flag at this score (0..1) instead of the evaluator's default
  with no texts and no --jsonl, all of stdin is scanned as one text
exit status: 0 nothing flagged, 1 something flagged, 2 usage or input error
`;

class UsageError extends Error {}

interface ScanArgs {
  evaluator: string;
  threshold?: number;
  jsonl: boolean;
  texts: string[];
}

function parseArgs(argv: readonly string[]): ScanArgs {
  const args: ScanArgs = { evaluator: "", jsonl: false, texts: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--evaluator" || flag === "-e") args.evaluator = value();
    else if (flag === "--threshold") {
      const raw = value();
      const t = Number(raw);
      if (raw.trim() === "" || !(t >= 0 && t <= 1)) throw new UsageError(`--threshold must be a number within 0..1, got "${raw}"`);
      args.threshold = t;
    } else if (flag === "--jsonl") args.jsonl = true;
    else if (flag === "--help" || flag === "-h") throw new UsageError("");
    else if (flag === "--") args.texts.push(...argv.slice(i + 1)), (i = argv.length);
    else if (flag.startsWith("--")) throw new UsageError(`unknown flag ${flag}`);
    else args.texts.push(arg);
  }
  if (!args.evaluator) throw new UsageError("--evaluator is required");
  if (!isEvaluatorName(args.evaluator)) throw new UsageError(`unknown evaluator "${args.evaluator}"`);
  if (args.jsonl && args.texts.length > 0) throw new UsageError("--jsonl reads stdin; do not also pass texts");
  return args;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
  return text;
}

/** The text of one --jsonl line, or an error message for it. */
function textOfLine(line: string): { text: string } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { error: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: "expected a JSON object" };
  const text = (value as Record<string, unknown>).text;
  if (typeof text !== "string") return { error: 'expected a string "text" field' };
  return { text };
}

export async function runScan(argv: string[], io: ScanIO): Promise<number> {
  let args: ScanArgs;
  let evaluator: Evaluator;
  try {
    args = parseArgs(argv);
    evaluator = createEvaluator(args.evaluator as Parameters<typeof createEvaluator>[0], args.threshold === undefined ? {} : { threshold: args.threshold });
  } catch (error) {
    const message = (error as Error).message;
    io.stderr.write(error instanceof UsageError ? `${message ? `tollgate scan: ${message}\n` : ""}${USAGE}` : `tollgate scan: ${message}\n`);
    return 2;
  }
  let flagged = false;
  let badInput = false;
  // One output line per input, whatever happens: an evaluator failure on one text is that line's error.
  const emit = (text: string, line: number): void => {
    try {
      const verdict = evaluator.evaluate({ input: text });
      flagged ||= verdict.flagged;
      io.stdout.write(`${JSON.stringify(verdict)}\n`);
    } catch (error) {
      badInput = true;
      io.stdout.write(`${JSON.stringify({ line, error: (error as Error).message })}\n`);
    }
  };
  try {
    if (args.jsonl) {
      let lineNumber = 0;
      for await (const line of createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
        lineNumber++;
        if (line.trim() === "") continue;
        const parsed = textOfLine(line);
        if ("error" in parsed) {
          badInput = true;
          io.stdout.write(`${JSON.stringify({ line: lineNumber, error: parsed.error })}\n`);
        } else {
          emit(parsed.text, lineNumber);
        }
      }
    } else if (args.texts.length > 0) {
      args.texts.forEach((text, i) => emit(text, i + 1));
    } else {
      emit(await readAll(io.stdin), 1);
    }
  } catch (error) {
    io.stderr.write(`tollgate scan: ${(error as Error).message}\n`);
    return 2;
  }
  return badInput ? 2 : flagged ? 1 : 0;
}
