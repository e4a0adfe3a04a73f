/** Auxiliaries that end the phrase naming what a question asks for ("what <things> does …"). */
const AUXILIARY = /^(?:do|does|did|has|have|had|are|were|is|was|can|could|would|will|should|might|may)$/u;
/** Words inside that phrase that are not the things themselves ("what kind of …", "which two …"). */
const FRAME =
  /^(?:kind|kinds|type|types|sort|sorts|of|some|other|all|any|different|specific|various|both|two|three|four|five|several|many|much|times|the|a|an)$/u;
/** Words that end a noun phrase after a possessive name. */
const FUNCTION_WORD = /^(?:and|or|but|that|which|who|for|of|in|on|at|to|from|with|by|about|when|while)$/u;

/**
 * The noun phrases naming the kind of thing a question asks for, lower-cased, head noun last: "What activities does
 * Sam do?" → [activities]; "What outdoor activities has Ana done?" → [outdoor, activities]; "What kind of art does
 * Tom make?" → [art]; "What are Ana's hobbies?" → [hobbies]; "How many dogs does Priya have?" → [dogs]. The words
 * between "what"/"which"/"how many" and the auxiliary that follows (at most four), less framing words. A
 * capitalised word may qualify the head ("European countries") but is never the head (names are not kinds).
 * Grammar only; no topic words. Empty when the question has no such phrase.
 */
export function askedNouns(question: string): string[][] {
  const tokens = question.match(/[\p{L}']+/gu) ?? [];
  const lower = tokens.map((token) => token.toLowerCase().replace(/'s?$/u, ''));
  const phrases: string[][] = [];
  const keep = (phrase: number[]) => {
    const head = phrase.at(-1);
    if (head !== undefined && /^\p{Ll}/u.test(tokens[head] ?? ''))
      phrases.push(phrase.map((at) => lower[at] ?? ''));
  };
  for (const [index, word] of lower.entries()) {
    let start = -1;
    if (word === 'what' || word === 'which') start = index + 1;
    else if (word === 'many' && lower[index - 1] === 'how') start = index + 1;
    if (start < 0) continue;
    const phrase: number[] = [];
    for (let at = start; at < Math.min(start + 5, lower.length); at += 1) {
      if (AUXILIARY.test(lower[at] ?? '')) {
        keep(phrase);
        break;
      }
      if (!FRAME.test(lower[at] ?? '')) phrase.push(at);
    }
    // "What are Ana's hobbies?": the words after a possessive name, up to the first function word.
    const verb = lower[start] ?? '';
    if ((verb === 'are' || verb === 'is') && /^\p{Lu}.*'s?$/u.test(tokens[start + 1] ?? '')) {
      const after: number[] = [];
      for (let at = start + 2; at < Math.min(start + 5, lower.length); at += 1) {
        if (FUNCTION_WORD.test(lower[at] ?? '')) break;
        after.push(at);
      }
      keep(after);
    }
  }
  return phrases.filter((phrase) => phrase.length > 0);
}
