import type { Detector, PersonalDataSpan } from './categories.ts';

/**
 * First names that are also everyday English words. For these the redactor matches only a capitalised word ("Mark
 * called", "MARK"), so "mark the invoice" or "pay the bill" pass unchanged; every other name matches in any case.
 */
const NAMES_THAT_ARE_WORDS = new Set([
  'amber',
  'april',
  'art',
  'august',
  'autumn',
  'bill',
  'bob',
  'brook',
  'buck',
  'candy',
  'carol',
  'chase',
  'chip',
  'christian',
  'cliff',
  'crystal',
  'dale',
  'dawn',
  'dean',
  'destiny',
  'dick',
  'don',
  'dot',
  'drew',
  'earl',
  'faith',
  'fern',
  'frank',
  'gene',
  'ginger',
  'glen',
  'grace',
  'grant',
  'guy',
  'hazel',
  'heather',
  'holly',
  'honey',
  'hope',
  'iris',
  'ivy',
  'jack',
  'jade',
  'jay',
  'jean',
  'jewel',
  'jimmy',
  'joy',
  'june',
  'kit',
  'lance',
  'lily',
  'mark',
  'matt',
  'max',
  'may',
  'mercy',
  'miles',
  'misty',
  'nick',
  'olive',
  'pat',
  'patience',
  'pearl',
  'penny',
  'pete',
  'peter',
  'poppy',
  'rich',
  'river',
  'robin',
  'rock',
  'rod',
  'rose',
  'ruby',
  'rusty',
  'sage',
  'sandy',
  'scott',
  'skip',
  'sky',
  'stone',
  'storm',
  'sue',
  'summer',
  'sunny',
  'tan',
  'terry',
  'tim',
  'tom',
  'van',
  'violet',
  'wade',
  'ward',
  'will',
  'win',
  'winter',
  'wood',
  'woody',
  'wren',
]);

/** Forms a name may be written in: as given, without accents ("Zoe" for "Zoë"), with either apostrophe. */
function variants(term: string): string[] {
  const forms = new Set<string>([term]);
  const plain = term.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
  forms.add(plain);
  for (const form of [...forms]) {
    forms.add(form.replaceAll('’', "'"));
    forms.add(form.replaceAll("'", '’'));
  }
  return [...forms];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whitespace inside a name matches any run of spaces, so "Sam  Patel" is still Sam Patel. */
const namePattern = (term: string) => escapeRegExp(term).replace(/\s+/g, '\\s+');

/**
 * Builds a detector for the person's own people list: each name and alias, longest first, as a whole word (a
 * possessive "Sam's" is found, "Samsung" is not), in any case except names that are everyday words. Names not on
 * the list are not detected.
 */
export function createPeopleDetector(terms: readonly string[]): Detector {
  const anyCase = new Set<string>();
  const capitalised = new Set<string>();
  for (const term of terms) {
    const trimmed = term.trim().replace(/\s+/g, ' ');
    if ([...trimmed].length < 2) continue;
    for (const form of variants(trimmed)) {
      if (NAMES_THAT_ARE_WORDS.has(form.toLowerCase())) capitalised.add(form);
      else anyCase.add(form);
    }
  }
  const boundary = (alternatives: readonly string[]) =>
    String.raw`(?<![\p{L}\p{N}_])(?:${alternatives.join('|')})(?![\p{L}\p{N}_])`;
  const byLength = (forms: Set<string>) => [...forms].sort((a, b) => b.length - a.length).map(namePattern);
  const patterns: RegExp[] = [];
  if (anyCase.size > 0) patterns.push(new RegExp(boundary(byLength(anyCase)), 'giu'));
  if (capitalised.size > 0) {
    const forms = [...capitalised].flatMap((form) => [form, form.toUpperCase()]);
    patterns.push(new RegExp(boundary(byLength(new Set(forms))), 'gu'));
  }
  return (text) => {
    const spans: PersonalDataSpan[] = [];
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        spans.push({ category: 'person', start: match.index, end: match.index + match[0].length });
      }
    }
    return spans;
  };
}
