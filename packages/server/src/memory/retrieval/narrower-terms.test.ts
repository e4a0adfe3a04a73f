import { describe, expect, it } from 'vitest';
import { nameKinds, narrowerTerms } from './narrower-terms.ts';
import { loadNounHierarchy, nounLemmas, parseNounHierarchy } from './wordnet.ts';

/** A tiny WordNet in the database format: sport → water sport → swimming; sport → martial art → karate. */
const tiny = parseNounHierarchy({
  indexNoun: [
    '  1 This is a header line',
    'sport n 1 1 ~ 1 1 00000010  ',
    'water_sport n 1 2 @ ~ 1 0 00000020  ',
    'swimming n 1 1 @ 1 1 00000030  ',
    'martial_art n 1 2 @ ~ 1 0 00000040  ',
    'karate n 1 1 @ 1 0 00000050  ',
  ].join('\n'),
  dataNoun: [
    '  1 This is a header line',
    '00000010 04 n 01 sport 0 002 ~ 00000020 n 0000 ~ 00000040 n 0000 | an active diversion',
    '00000020 04 n 01 water_sport 0 002 @ 00000010 n 0000 ~ 00000030 n 0000 | sport in water',
    '00000030 04 n 02 swimming 0 swim 0 001 @ 00000020 n 0000 | the act of swimming',
    '00000040 04 n 01 martial_art 0 002 @ 00000010 n 0000 ~ 00000050 n 0000 | a fighting sport',
    '00000050 04 n 01 karate 0 001 @ 00000040 n 0000 | a martial art',
  ].join('\n'),
  indexSense: [
    'sport%1:04:00:: 00000010 1 11',
    'swimming%1:04:00:: 00000030 1 3',
    'swim%1:04:00:: 00000030 2 1',
  ].join('\n'),
});

describe('narrowerTerms', () => {
  it('lists kinds of an asked-for noun, the most used first, within the depth', () => {
    const terms = narrowerTerms(tiny, [['sports']], { depth: 2, limit: 10, senseShare: 0.5 });
    expect(terms.map((entry) => entry.term)).toEqual([
      'swimming',
      'swim',
      'martial art',
      'water sport',
      'karate',
    ]);
    expect(terms.every((entry) => entry.of === 'sports')).toBe(true);
    expect(
      narrowerTerms(tiny, [['sports']], { depth: 1, limit: 10, senseShare: 0.5 }).map((e) => e.term),
    ).toEqual(['martial art', 'water sport']);
  });

  it('takes a compound of the last two words before the head alone, and keeps to the limit', () => {
    const terms = narrowerTerms(tiny, [['martial', 'arts']], { depth: 3, limit: 10, senseShare: 0.5 });
    expect(terms).toEqual([{ term: 'karate', of: 'martial arts', depth: 1, tagged: 0 }]);
    expect(narrowerTerms(tiny, [['sports']], { depth: 3, limit: 1, senseShare: 0.5 })).toHaveLength(1);
  });

  it('undoes plurals of nouns WordNet knows', () => {
    expect(nounLemmas('sports', tiny)).toEqual(['sport']);
    expect(nounLemmas('water_sports', tiny)).toEqual(['water_sport']);
    expect(nounLemmas('melanie', tiny)).toEqual([]);
  });
});

describe('nameKinds', () => {
  it('adds the asked-for words to texts that mention one of their kinds', () => {
    const named = nameKinds(
      new Map([
        [1, "I'm off to go swimming"],
        [2, 'Lunch was great'],
      ]),
      [{ term: 'swimming', of: 'activities', depth: 3, tagged: 1 }],
    );
    expect(named.get(1)).toBe("I'm off to go swimming activities");
    expect(named.get(2)).toBe('Lunch was great');
  });
});

describe('the installed WordNet', () => {
  it('knows cities and martial arts by their kinds', async () => {
    const nouns = await loadNounHierarchy();
    const options = { depth: 4, limit: 50, senseShare: 0.5 };
    expect(narrowerTerms(nouns, [['cities']], options).map((entry) => entry.term)).toContain('chicago');
    expect(narrowerTerms(nouns, [['martial', 'arts']], options).map((entry) => entry.term)).toContain(
      'karate',
    );
  });
});
