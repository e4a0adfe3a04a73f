/** Auxiliaries that follow the thing asked about in "what <things> does/has/did …". */
const AUXILIARY = /^(?:do|does|did|has|have|had|are|were|is|was|can|could|would|will|should|might|may)$/u;

/** Words ending in -s that are not plurals. */
function looksPlural(word: string): boolean {
  return word.length >= 4 && word.endsWith('s') && !/(?:ss|us|is|ous|ics)$/u.test(word);
}

/**
 * True when a question asks for several things that may have been said at different times: "what activities does
 * she do", "which cities has he visited", "how many times…", "what do they both…", "what do they have in common".
 * Grammar only (a plural noun asked about, a count, "both"); no topic words.
 */
export function asksForSeveral(question: string): boolean {
  const lower = question.toLowerCase();
  if (/\b(?:both|how many|in common)\b/u.test(lower)) return true;
  const words = lower.match(/[\p{L}']+/gu) ?? [];
  for (const [index, word] of words.entries()) {
    if (word !== 'what' && word !== 'which') continue;
    // "what <plural> does", "what kind of <plural> has", "which two <plural> did": up to three words in between.
    for (let ahead = index + 1; ahead <= index + 4 && ahead < words.length - 1; ahead += 1) {
      const next = words[ahead + 1] ?? '';
      if (looksPlural(words[ahead] ?? '') && AUXILIARY.test(next)) return true;
      if (AUXILIARY.test(words[ahead] ?? '')) break;
    }
  }
  return false;
}

/** The first name of a speaker label, lower-cased ("Caroline Smith" → "caroline"). */
export function firstName(speaker: string): string {
  return speaker.trim().toLowerCase().split(/\s+/u)[0] ?? '';
}

/**
 * The question terms that name a speaker of the retrieved observations. Such a term says *who* (the speaker field)
 * more than *what* (the text): in a conversation a person's name is mostly said by the others, to them.
 */
export function speakerTerms(terms: readonly string[], speakers: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const speaker of speakers) names.add(firstName(speaker));
  return new Set(terms.filter((term) => names.has(term)));
}
