// ProtectFlash's pattern set: only phrases that are attacks in (nearly) every context, so a hit can block without a
// model. Each category is a list of phrases; a space in a phrase matches any run of whitespace. All categories are
// compiled into ONE regular expression with a named group per category, so a text is scanned once.

export interface FlashCategory {
  name: string;
  /** How sure a hit of this category alone makes us (the score combines categories as independent evidence). */
  weight: number;
  phrases: string[];
  /**
   * Lowercase literals of which every phrase contains at least one. A text containing none of any category's
   * anchors cannot match, so the scanner skips the regex (most benign text) after a few indexOf calls.
   */
  anchors: string[];
}

const QUALIFIER = "(?:all |any |the |your |my |these |those |every )?(?:previous |prior |above |earlier |preceding |initial |original |system |existing |current |old )?";

export const FLASH_CATEGORIES: FlashCategory[] = [
  {
    name: "override",
    weight: 0.92,
    phrases: [
      `(?:ignore|disregard|forget|bypass|override|discard|abandon) ${QUALIFIER}(?:of )?(?:the )?(?:previous|prior|above|earlier|preceding|initial|original|system|your|all) (?:instructions|directives|guidelines|rules|prompts?|commands)`,
      `(?:ignore|disregard|forget) (?:all|everything) (?:above|before|you were told|i said before)`,
      // "all previous" alone, or before an instruction-like word: not "disregard all previous correspondence".
      `(?:ignore|disregard|forget) (?:all|everything) (?:previous|prior)(?! (?!(?:instructions?|directives?|guidelines|rules|prompts?|commands?|messages?|text|context|conversations?|inputs?|tasks?|orders)\\b)[a-z])`,
      `(?:previous|prior|above|all) instructions (?:are|have been) (?:void|null|cancell?ed|revoked|overridden|obsolete)`,
      `ignorier\\p{L}* (?:alle |die )?(?:vorherigen|vorigen|obigen|bisherigen|vorangegangenen) (?:anweisungen|instruktionen|befehle|regeln)`,
      `vergiss (?:alle |die )?(?:vorherigen |vorigen |obigen |bisherigen )?(?:anweisungen|instruktionen|befehle|regeln)`,
      `(?:ignora|olvida) (?:todas )?(?:las )?(?:instrucciones|reglas|indicaciones) (?:anteriores|previas)`,
      `(?:ignore[zr]?|oublie[zr]?) (?:toutes )?(?:les )?(?:instructions|consignes|règles) (?:précédentes|antérieures|ci-dessus)`,
      `(?:ignora|dimentica) (?:tutte )?(?:le )?(?:istruzioni|regole) (?:precedenti|sopra)`,
      `(?:ignore|esqueça|ignora) (?:todas )?(?:as )?(?:instruções|regras) (?:anteriores|acima)`,
      `(?:игнорируй|проигнорируй|забудь)\\p{L}* (?:все )?(?:предыдущие|прежние|вышеуказанные) (?:инструкции|указания|правила)`,
      `(?:忽略|无视|忘记|無視|忘記)(?:之前|以上|上面|前面|先前|上述)(?:的)?(?:所有|全部)?(?:指令|指示|规则|規則|提示)`,
      `(?:以前|前|上記|これまで)の(?:すべての|全ての)?(?:指示|命令|ルール)を(?:無視|忘れ)`,
      `(?:이전|위의|앞의) (?:모든 )?(?:지시|명령|규칙|지침)(?:을|를|은|는)? (?:무시|잊)`,
    ],
    anchors: ["ignor", "disregard", "forget", "bypass", "overrid", "discard", "abandon", "instructions", "vergiss", "olvida", "oubli", "dimentic", "esqueç", "игнор", "забуд", "忽略", "无视", "忘记", "無視", "忘記", "무시", "잊"],
  },
  {
    name: "delimiter",
    weight: 0.9,
    phrases: [
      "<\\|(?:im_start|im_end|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\\|>",
      "<\\|im_start\\|> ?system",
      "\\[/?INST\\]",
      "<</?SYS>>",
    ],
    anchors: ["<|", "[inst]", "[/inst]", "<<sys>>", "<</sys>>"],
  },
  {
    name: "persona",
    weight: 0.85,
    phrases: [
      "do anything now",
      "(?:dan|developer|god) mode (?:enabled|activated|engaged)",
      "you are (?:now )?(?:a |an )?(?:jailbroken|unfiltered|uncensored|unrestricted) (?:ai|assistant|model|chatbot|llm)",
      "act as (?:a |an )?(?:jailbroken|unfiltered|uncensored|unrestricted) (?:ai|assistant|model|chatbot|llm)",
      "(?:you|ai) (?:have|has) (?:been )?(?:freed|liberated|released) from (?:the )?(?:typical |usual )?(?:confines|restrictions|limitations|rules)",
      "without any (?:ethical|moral) (?:restrictions|limitations|guidelines|constraints)",
    ],
    anchors: ["anything now", "mode", "jailbroken", "unfiltered", "uncensored", "unrestricted", "freed", "liberated", "released", "ethical", "moral"],
  },
  {
    name: "extraction",
    weight: 0.85,
    phrases: [
      "(?:reveal|print|show|repeat|output|display|leak|dump|tell me|give me) (?:me )?(?:your|the) (?:full |entire |complete |exact |original |initial |hidden |secret )*(?:system prompt|initial instructions|hidden instructions|original instructions|system message)",
      "repeat (?:the |all )?(?:words|text|everything) above (?:starting|beginning|verbatim)",
      "what (?:is|was) (?:written|said) (?:above|before) (?:this|the first)",
    ],
    anchors: ["system prompt", "system message", "instructions", "above"],
  },
];

/** Every anchor of every category, for the pre-check. */
export function flashAnchors(categories: readonly FlashCategory[] = FLASH_CATEGORIES): string[] {
  return [...new Set(categories.flatMap((c) => c.anchors))];
}

/** One combined, case-insensitive, Unicode-aware pattern with a named group per category. */
export function compileFlashPattern(categories: readonly FlashCategory[] = FLASH_CATEGORIES): RegExp {
  const groups = categories.map((c) => `(?<${c.name}>${c.phrases.map((p) => p.replace(/ /g, "\\s+")).join("|")})`);
  // Attacks start at a word start; the look-behind lets the engine skip mid-word positions at once.
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${groups.join("|")})`, "giu");
}
