// Inputs shaped to make a backtracking regex explode: runs of characters that could belong to two adjacent parts of
// a pattern, with no match at the end, so the engine tries every split. (A markdown table rule after "output" once
// stalled PromptInjection for minutes: its word and separator classes both held "-".)

const RUNS = ["-", "'", "’", " ", "|", "*", "=", "_", ".", "/", "#", "\n", "a-", "- "].map((unit) => unit.repeat(Math.ceil(400 / unit.length)));

export const PATHOLOGICAL: readonly (readonly [string, string])[] = [
  ["markdown table after a verb", `| Browsers | ANSI output |\n| ${"-".repeat(150)} | ${"-".repeat(60)} |\n`.repeat(4)],
  ...RUNS.map((run) => [`verb + run of ${JSON.stringify(run.slice(0, 2))}`, `please output ${run} |\nignore ${run} the rest`] as const),
  ["hyphenated words", `show ${"x-".repeat(300)}the end`],
  ["apostrophes between letters", `reveal ${"a'".repeat(300)} the end`],
  ["long unbroken token", `api_key=${"A".repeat(20_000)}`],
  ["digits and separators", "4111 1111 ".repeat(500)],
  ["emails without ends", "a@".repeat(2_000)],
  ["nested brackets", `${"[".repeat(2_000)}](${"(".repeat(2_000)}`],
];
