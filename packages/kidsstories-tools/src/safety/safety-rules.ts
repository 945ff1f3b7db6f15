import type { SafetyVerdict } from '../providers/provider-types.js';

/** A category of unsafe content with the rules that detect it. */
export interface SafetyRule {
  /** Category reported in the verdict (`violence`, `weapons`…). */
  category: string;
  /** Patterns (case-insensitive) that make a text unsafe. */
  patterns: readonly RegExp[];
  /** Age bands the rule applies to; all bands when omitted. */
  ageBands?: readonly string[];
}

const words = (list: string) => new RegExp(`\\b(?:${list.trim().split(/\s+/).join('|')})\\b`, 'i');

/**
 * The offline child-safety rules: word lists and patterns for violence, weapons, self-harm, adult content
 * (sexual content, drugs, alcohol, profanity), personal data (phone numbers, e-mail and street addresses,
 * links, card and ID numbers), horror for every band and scary content for the bands 3-5 and 6-8.
 */
export const SAFETY_RULES: readonly SafetyRule[] = [
  {
    category: 'violence',
    patterns: [
      words(
        'kill kills killed killing killer murder murders murdered murderer blood bloody bleed bleeding stab stabbed stabbing strangle strangled behead beheaded torture tortured slaughter slaughtered massacre corpse corpses punched punching beat\\s+up shoot shooting shot\\s+dead attack attacked attacking wounded injured die died dying dead',
      ),
    ],
  },
  {
    category: 'weapons',
    patterns: [
      words(
        'gun guns rifle rifles pistol pistols revolver knife knives dagger daggers sword swords bomb bombs grenade grenades explosive explosives bullet bullets ammo ammunition machete',
      ),
    ],
  },
  {
    category: 'self_harm',
    patterns: [
      /\b(?:kill|hurt|harm|cut)\s+(?:myself|himself|herself|themselves|yourself|themself)\b/i,
      words('suicide suicidal overdose overdosed self-harm self\\s+harm'),
      /\bwant(?:ed|s)?\s+to\s+die\b/i,
    ],
  },
  {
    category: 'adult_content',
    patterns: [
      words('sex sexy sexual naked nude nudity porn pornography erotic strip stripper'),
      words(
        'beer wine vodka whisky whiskey alcohol drunk cigarette cigarettes smoking cocaine heroin marijuana weed drugs meth',
      ),
      words('fuck fucking shit bitch bastard damn crap asshole dick'),
    ],
  },
  {
    category: 'personal_data',
    patterns: [
      /(?:\+?\d[\s().-]*){7,}\d/,
      /\b[\w.+-]+@[\w-]+\.[\w.]+\b/,
      /\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl)\b\.?/,
      /\bhttps?:\/\/\S+|\bwww\.\S+/i,
      /\b\d{3}-\d{2}-\d{4}\b/,
    ],
  },
  {
    category: 'horror',
    patterns: [words('gore gory horror zombie zombies demon demons corpse possessed decapitated')],
  },
  {
    category: 'scary_for_age',
    ageBands: ['3-5', '6-8'],
    patterns: [
      words(
        'monster monsters ghost ghosts haunted nightmare nightmares skeleton skeletons vampire vampires werewolf devil evil scream screamed screaming terrifying terrified horrifying creepy kidnap kidnapped kidnapper',
      ),
    ],
  },
];

/**
 * Applies {@link SAFETY_RULES} to a text for an age band (an unknown or missing band gets the strictest rules).
 * Reasons read `category: "matched words"`.
 *
 * @example
 * ```ts
 * evaluateSafetyRules('The fox found a knife.', '6-8'); // { safe: false, reasons: ['weapons: "knife"'] }
 * ```
 */
export function evaluateSafetyRules(text: string, ageBand?: string): SafetyVerdict {
  const reasons: string[] = [];
  const band = ageBand === '6-8' || ageBand === '9-12' ? ageBand : '3-5';
  for (const rule of SAFETY_RULES) {
    if (rule.ageBands && !rule.ageBands.includes(band)) continue;
    const matches = new Set<string>();
    for (const pattern of rule.patterns) {
      const global = new RegExp(
        pattern.source,
        pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
      );
      for (const match of text.matchAll(global)) matches.add(match[0].trim().toLowerCase());
    }
    if (matches.size > 0)
      reasons.push(`${rule.category}: ${[...matches].map((item) => `"${item}"`).join(', ')}`);
  }
  return { safe: reasons.length === 0, reasons };
}
