// Glob patterns for model names, paths and tool names: `*` matches any run of characters, `?` one character.
// Compiled once per config load into a single anchored regex.

export function globToRegExp(patterns: readonly string[]): RegExp {
  const alternatives = patterns.map((p) =>
    p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, "."),
  );
  return new RegExp(`^(?:${alternatives.join("|")})$`);
}

export interface GlobSet {
  test(value: string): boolean;
}

/** An empty pattern list matches nothing; callers decide whether "no list" means "everything". */
export function globSet(patterns: readonly string[]): GlobSet {
  if (patterns.length === 0) return { test: () => false };
  const re = globToRegExp(patterns);
  return { test: (value) => re.test(value) };
}
