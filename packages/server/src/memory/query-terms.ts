/** Words that carry no meaning for retrieval. */
const STOPWORDS = new Set(
  `a about above after again against all am an and any are aren't as at be because been before being below between both
  but by can could did do does doing don't down during each few for from further had has have having he her here hers
  herself him himself his how i if in into is isn't it it's its itself just let me more most my myself no nor not now of
  off on once only or other ought our ours ourselves out over own same she should so some such than that that's the their
  theirs them themselves then there these they this those through to too under until up very was we were what when where
  which while who whom why will with would you your yours yourself yourselves tell said say says know remember did
  anything something thing things`
    .split(/\s+/)
    .filter(Boolean),
);

/** The content words of a question, lower-cased and deduplicated, at most `max` of them. */
export function queryTerms(question: string, max = 32): string[] {
  const words = question.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
  const terms: string[] = [];
  for (const word of words) {
    const plain = word.replace(/'s$/, '');
    if (plain.length < 2 && !/\d/.test(plain)) continue;
    if (STOPWORDS.has(word) || STOPWORDS.has(plain)) continue;
    if (!terms.includes(plain)) terms.push(plain);
    if (terms.length >= max) break;
  }
  return terms;
}
