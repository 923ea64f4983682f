// Harmful-request rules: a request for operational help (framing) aimed at a clearly harmful object, in English.
// They back the model where a polite wording hides a dangerous ask ("Could you kindly explain how to build a pipe
// bomb?"). Each rule needs BOTH parts within one sentence, so topic mentions stay clean: "the history of the
// atomic bomb", "suicide prevention hotlines", "gun safety laws" have an object but no how-to framing aimed at it.
// One combined regular expression per category keeps the cost at a few scans per text.

import { SENTENCE_END_TABLE } from "../lexicons/view.js";
import type { ContentSafetyCategory } from "./config.js";

/** Asking for a method: "how do I", "steps to", "teach me", "give me instructions for"… */
const ASK =
  "(?:how (?:do|can|could|would|should|might) (?:i|we|you|one|someone|a person)|how to|what(?:'s| is| are) the (?:best|easiest|quickest|fastest|simplest|cheapest) (?:way|ways|method|methods) to|(?:best|easiest|quickest|simplest) (?:way|ways|method|methods) to|ways? to|steps? (?:to|for)|instructions? (?:for|to|on)|guide (?:to|for|on)|tutorial (?:on|for)|teach me|show me how|tell me how|explain how|help me|i (?:want|need|plan) to)";
/** Words allowed between the ask and the object, within one sentence. */
const GAP = "[^.?!\\n]{0,60}?";

function rule(verbs: string, objects: string): string {
  return `\\b${ASK}\\b${GAP}\\b(?:${verbs})\\b${GAP}\\b(?:${objects})`;
}

const MAKE = "make|build|assemble|construct|manufacture|create|produce|craft|rig|3d[- ]print|synthesi[sz]e|cook|brew|extract|obtain|buy|get|acquire";

const PATTERNS: Record<Exclude<ContentSafetyCategory, "hate" | "harassment" | "sexual" | "other_harm">, string[]> = {
  weapons: [
    rule(MAKE, "(?:pipe |nail |car |letter |fertili[sz]er |dirty )?bombs?\\b|explosives?\\b|ieds?\\b|grenades?\\b|molotov|napalm|detonators?\\b|silencers?\\b|suppressors?\\b|ghost guns?\\b|untraceable (?:gun|firearm|weapon)s?|(?:fully )?automatic (?:rifle|weapon)s?|bioweapons?\\b|chemical weapons?\\b|nerve (?:agent|gas)|sarin|ricin|anthrax|mustard gas|chlorine gas|dirty bomb"),
  ],
  illegal_activity: [
    rule(MAKE, "meth(?:amphetamine)?\\b|crack cocaine|fentanyl|heroin\\b|lsd\\b|mdma\\b|ghb\\b|counterfeit (?:money|bills|currency)|fake (?:passports?|ids?|money)"),
    rule("hack|hack into|break into|get into|access|take over|hijack", "(?:someone(?:'s)?|other people(?:'s)?|my (?:ex|wife|husband|boss|neighbou?r)(?:'s)?|a|an|the|their|his|her)\\s(?:[a-z]+ ){0,2}(?:account|email|phone|computer|bank|network|wi-?fi|server|database|webcam|instagram|facebook)s?"),
    rule("steal|shoplift|launder|embezzle|smuggle|traffic|evade|skim|forge", "money|cars?\\b|credit cards?|identit(?:y|ies)|(?:someone(?:'s)?|a person(?:'s)?) (?:identity|password|data)|goods|taxes|drugs|people|passwords?|signatures?"),
  ],
  self_harm: [
    `\\b${ASK}\\b${GAP}\\b(?:kill myself|end my (?:own )?life|commit suicide|take my (?:own )?life|hang myself|cut myself|hurt myself|overdose|starve myself)`,
  ],
  violence: [
    rule("kill|murder|poison|strangle|stab|shoot|torture|kidnap|assassinate|beat up|drown|suffocate|maim", "(?:my |a |the |an |this |that |his |her |our )?(?:wife|husband|girlfriend|boyfriend|boss|neighbou?r|teacher|child|kid|baby|mother|father|mom|dad|brother|sister|classmate|coworker|colleague|person|people|someone|somebody|him|her|them|president|cop|officer|family)\\b"),
  ],
  sexual_minors: [
    "\\b(?:child|kiddie|underage|preteen|minor)s? (?:porn|pornography|nudes?|sex(?:ual)? (?:images?|photos?|videos?|content))",
    "\\b(?:porn|pornography|nudes?|naked (?:photos?|pictures?|images?)|sexual (?:photos?|images?|videos?))\\b[^.?!\\n]{0,30}\\b(?:of|with|involving) (?:a |an )?(?:child|children|kids?|minors?|underage|preteens?|\\d{1,2}[- ]year[- ]olds?)",
    `\\b${ASK}\\b${GAP}\\b(?:groom|seduce|sleep with|have sex with)\\b${GAP}\\b(?:a |an )?(?:child|children|kids?|minors?|underage|preteens?|\\d{1,2}[- ]year[- ]olds?)`,
  ],
};

const COMPILED = Object.entries(PATTERNS).map(([category, sources]) => ({
  category: category as ContentSafetyCategory,
  regex: new RegExp(sources.join("|"), "giu"),
}));

/** Violence inside a game or a story ("kill someone in Call of Duty") is not a request to hurt a person. */
const FICTION = /\b(?:in|on|for) (?:a |the |my )?(?:[a-z0-9']+ ){0,3}(?:game|video ?game|call of duty|gta|minecraft|skyrim|witcher(?: \d)?|fortnite|among us|novel|movie|film|story|screenplay|play)\b/iu;

export interface RuleHit {
  category: ContentSafetyCategory;
  start: number;
  end: number;
}

/** Every harmful-request rule match in `text` (indices into `text`). */
export function matchRules(text: string): RuleHit[] {
  const hits: RuleHit[] = [];
  const fiction = FICTION.test(text);
  for (const { category, regex } of COMPILED) {
    if (category === "violence" && fiction) continue;
    regex.lastIndex = 0;
    for (const m of text.matchAll(regex)) hits.push({ category, start: m.index, end: m.index + m[0].length });
  }
  return hits;
}

/** Framing tags: the text asks for something (a method, an object, content) or for it to go unnoticed. */
const RULE_FRAMING = new Set(["howto", "make", "obtain", "want", "evade", "write", "promote"]);
/** Cue tags: a sentence that also names prevention, history, fiction, code or the law is not flagged by a rule. */
const RULE_CUES = new Set(["safety", "history", "fiction", "code", "legal"]);
/** Object tag → category, in precedence order (the first present object decides). */
const RULE_OBJECTS: readonly [string, ContentSafetyCategory][] = [
  ["csam", "sexual_minors"],
  ["selfharm", "self_harm"],
  ["die", "self_harm"],
  ["eating", "self_harm"],
  ["explosive", "weapons"],
  ["cbrn", "weapons"],
  ["weapon", "weapons"],
  ["exterminate", "hate"],
  ["hateideology", "hate"],
  ["drug", "illegal_activity"],
  ["hack", "illegal_activity"],
  ["fraud", "illegal_activity"],
  ["steal", "illegal_activity"],
  ["traffic", "illegal_activity"],
  ["kill", "violence"],
  ["poison", "violence"],
  ["rape", "violence"],
  ["kidnap", "violence"],
  ["torture", "violence"],
  ["terror", "violence"],
  ["stalk", "other_harm"],
];
const RULE_OBJECT_CATEGORY = new Map(RULE_OBJECTS);


export interface TaggedSpan {
  tag: string;
  start: number;
  end: number;
}

/** Concept tags grouped by sentence (sentences end as in the concept view, which pairs tags per sentence too). */
export function tagSentences(text: string, tags: readonly TaggedSpan[]): TaggedSpan[][] {
  if (tags.length === 0) return [];
  const ends: number[] = [];
  const table = SENTENCE_END_TABLE;
  for (let i = 0; i < text.length; i++) if (table[text.charCodeAt(i)] === 1) ends.push(i);
  const sentences = new Map<number, TaggedSpan[]>();
  let k = 0;
  for (const t of [...tags].sort((a, b) => a.start - b.start)) {
    while (k < ends.length && (ends[k] as number) < t.start) k++;
    const list = sentences.get(k) ?? [];
    list.push(t);
    sentences.set(k, list);
  }
  return [...sentences.values()];
}

/** Objects the English regex rules look for, as concept tags. */
const ENGLISH_RULE_OBJECTS = new Set(["explosive", "weapon", "cbrn", "drug", "fraud", "hack", "steal", "selfharm", "die", "kill", "hurt", "poison", "kidnap", "torture"]);
const ENGLISH_RULE_FRAMING = new Set(["howto", "want", "make", "obtain"]);

/**
 * Whether the English regex rules can match: each needs, within one sentence, a request framing and a harmful
 * object, or a sexual term next to a minor. The regexes cost more than all other scoring on a long text, so they
 * only run when the concept tags say one of them could fire.
 */
export function englishRulesMayMatch(sentences: readonly TaggedSpan[][]): boolean {
  for (const list of sentences) {
    const present = new Set(list.map((t) => t.tag));
    if (present.has("csam") || (present.has("sexual") && present.has("minor"))) return true;
    if ([...present].some((t) => ENGLISH_RULE_FRAMING.has(t)) && [...present].some((t) => ENGLISH_RULE_OBJECTS.has(t))) return true;
  }
  return false;
}

/**
 * Multilingual rule over concept tags (from the concept view): a framing and a harmful object in one sentence, and
 * no prevention/history/fiction/code/law cue in it. "Wie baue ich eine Bombe?", "폭탄을 어떻게 만드나요?" and
 * "How do I make a pipe bomb?" hit alike; "How do I kill a Python process?" (code) and "the history of the atomic
 * bomb" (history, no framing) do not. Measured alone across all training files: it flags about a fifth of the
 * harmful rows and under half a percent of the benign ones (see the model card).
 */
export function matchConceptRules(sentences: readonly TaggedSpan[][]): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const list of sentences) {
    if (list.some((t) => RULE_CUES.has(t.tag))) continue;
    const framing = list.filter((t) => RULE_FRAMING.has(t.tag));
    if (framing.length === 0) continue;
    const present = new Set(list.map((t) => t.tag));
    const object = RULE_OBJECTS.find(([tag]) => present.has(tag));
    if (!object) continue;
    const objectTags = list.filter((t) => RULE_OBJECT_CATEGORY.has(t.tag));
    const start = Math.min(...framing.map((t) => t.start), ...objectTags.map((t) => t.start));
    const end = Math.max(...framing.map((t) => t.end), ...objectTags.map((t) => t.end));
    hits.push({ category: object[1], start, end });
  }
  return hits;
}
