/**
 * Function words, pronouns, auxiliaries and the filler of everyday talk ("yeah", "awesome", "thanks"): words
 * that say nothing about what an episode was about.
 */
const STOPWORDS = new Set(
  `a about above across after again against ago all almost along already also although always am among an and
  another any anybody anyone anything anyway anywhere are aren't around as at away be became because become been
  before being below beside besides between beyond both but by can can't cannot could couldn't did didn't do does
  doesn't doing don't done down during each either else enough even ever every everybody everyone everything
  everywhere few for from further get gets getting got gotten had hadn't has hasn't have haven't having he he'd
  he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in inside into
  is isn't it it'd it'll it's its itself just least less let let's like likely made make makes making many may
  maybe me might mine more most much must mustn't my myself near nearly neither never next no nobody none nor not
  nothing now nowhere of off often oh ok okay on once one ones only onto or other others otherwise ought our ours
  ourselves out over own per perhaps please quite rather really same see seem seemed seems seen shall she she'd
  she'll she's should shouldn't since so some somebody someone something sometimes somewhat somewhere soon still
  such sure than that that's the their theirs them themselves then there there's these they they'd they'll
  they're they've thing things this those though through thus till to together too toward towards under unless
  until up upon us very via was wasn't we we'd we'll we're we've well were weren't what what's whatever when
  where where's whether which while who who's whoever whole whom whose why will with within without won't would
  wouldn't yes yet you you'd you'll you're you've your yours yourself yourselves
  yeah yep nope wow hey hi hello bye thanks thank thx lol haha cool great awesome amazing nice good glad happy
  sorry love loved lovely totally definitely absolutely exactly true right wonderful fantastic incredible super
  pretty kind kinda lot lots bit stuff way ways time times day days today tonight tomorrow yesterday week weeks
  month months year years morning evening afternoon night recently lately
  said say says saying tell told telling know knew known think thought thinking feel feels feeling felt want wants
  wanted go goes going went come comes coming came look looks looking looked sounds sound sounded keep keeps kept
  take takes took taking give gives gave giving find found try tried trying mean means meant guess hope hoped hoping
  need needs needed remember talk talked talking chat glad share shared sharing wish wishes hear heard awesome
  fun interesting special important different new old big little much many first last also able
  photo picture pic image`
    .split(/\s+/)
    .filter(Boolean),
);

/** True for words that carry no topic: function words, pronouns and conversational filler. */
export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

const WORD = /[\p{L}][\p{L}\p{N}]*(?:['’-][\p{L}\p{N}]+)*/gu;

/** The words of a text in order, as written (letters first; inner apostrophes and hyphens kept). */
export function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

/**
 * A word's key for counting: lower-cased, possessive dropped and a plural folded to its singular
 * ("agencies" → "agency", "dogs" → "dog"), or null for a stopword or a word too short to mean much.
 */
export function wordKey(word: string): string | null {
  let lower = word.toLowerCase().replace(/['’]s$/, '');
  if (lower.length < 3 || STOPWORDS.has(lower)) return null;
  if (lower.length > 4 && lower.endsWith('ies')) lower = `${lower.slice(0, -3)}y`;
  else if (lower.length > 3 && lower.endsWith('s') && !/(ss|us|is|ous)$/.test(lower))
    lower = lower.slice(0, -1);
  return STOPWORDS.has(lower) ? null : lower;
}

/** The distinct content-word keys of a text (see `wordKey`). */
export function contentKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const word of wordsOf(text)) {
    const key = wordKey(word);
    if (key) keys.add(key);
  }
  return keys;
}
