import type { Detector, PersonalDataSpan } from './categories.ts';

const raw = String.raw;

/** A flat, suite or floor written before the street: "Flat 3, ", "Apt 4B, ", "3rd floor, ". */
const UNIT = raw`(?:(?:Flat|Apt\.?|Apartment|Unit|Suite|Ste\.?)\s+[\p{L}\p{N}\-]{1,5}|\d{1,2}(?:st|nd|rd|th)\s+[Ff]loor),?\s+`;
/** A house number: 221B, 5/27, 12-14. */
const HOUSE = raw`\d{1,5}[A-Za-z]?(?:[/\-]\d{1,5}[A-Za-z]?)?`;
/** Words that never belong to a street name, so "3 miles up the hill" is not a street. */
const STOP = raw`(?:a|an|and|at|by|for|from|in|into|of|off|on|or|the|to|up|with|my|our|your|his|her|their|its|is|was|are|were|km|miles|minutes|hours|times|people|items)`;
/** One word of a street name: "Queen's", "N.", "57th", "Lake". */
const NAME_WORD = raw`(?:(?:The|(?!${STOP}(?![\p{L}\p{N}'’.\-]))[\p{L}\p{N}][\p{L}\p{N}'’.\-]*)\s+)`;
/** English street types; capitalised, or lower case for the full words only. */
const TYPES = raw`(?:Street|St|Road|Rd|Avenue|Ave|Av|Lane|Ln|Drive|Dr|Boulevard|Blvd|Close|Crescent|Cres|Grove|Place|Pl|Way|Terrace|Tce|Gardens|Gdns|Court|Ct|Square|Sq|Parkway|Pkwy|Highway|Hwy|Loop|Row|Mews|Hill|Walk|Green|Circle|Cir|Trail|Alley|Plaza|Rise|Vale|Wharf|Quay|Parade|Embankment|street|road|avenue|lane|drive|boulevard)`;
const DIRECTION = raw`(?:\s+(?:NW|NE|SW|SE|N|S|E|W)(?![\p{L}\p{N}]))?`;
/** Romance street types that come before the name: "15 rue de Rivoli", "Calle Mayor 5". */
const PREFIX_TYPES = raw`(?:Calle|Carrer|Avenida|Avda\.?|Rua|Via|Viale|Piazza|Piazzale|Corso|Largo|Rue|rue|Boulevard|boulevard|Bd|Avenue|avenue|Place|place|Paseo|Plaza|Travessa|Praça|Strada|Chaussée|Quai|quai|Allée|allée|Chemin|chemin|Impasse|impasse)`;
const CONNECTOR = raw`(?:de|du|des|la|le|del|della|di|da|do|dos|das|van|von)\s+`;
const ROMANCE_NAME = raw`(?:${CONNECTOR})*[\p{Lu}][\p{L}'’\-]*(?:\s+(?:${CONNECTOR})*[\p{Lu}][\p{L}'’\-]*){0,2}`;
/** Germanic and Nordic street words that end the name: Hauptstraße, Karl-Marx-Allee, Prinsengracht. */
const STREET_SUFFIX =
  /(?:straße|strasse|str\.|allee|weg|gasse|platz|damm|ufer|gracht|laan|straat|plein|kade|singel|vej|\p{L}{5}gade|gatan|vägen|gata|väg|torget)$/iu;
/** A capitalised word and a house number, checked for a street suffix in code (a suffix alternation in the pattern is slow). */
const WORD_AND_NUMBER = /(?<![\p{L}\p{N}])([\p{Lu}][\p{L}-]*\.?)\s+\d{1,4}[a-zA-Z]?(?![\p{L}\p{N}])/gu;

const STREET = new RegExp(
  [
    raw`(?:${UNIT})?${HOUSE}\s+${NAME_WORD}{1,3}${TYPES}(?![\p{L}\p{N}])${DIRECTION}`,
    raw`(?:${UNIT})?${HOUSE},?\s+${PREFIX_TYPES}\s+${ROMANCE_NAME}`,
    raw`${PREFIX_TYPES}\s+${ROMANCE_NAME},?\s+\d{1,4}[a-zA-Z]?(?![\p{L}\p{N}])`,
  ]
    .map((pattern) => raw`(?<![\p{L}\p{N}])${pattern}`)
    .join('|'),
  'gu',
);

const UK_POSTCODE = raw`[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}`;
const EIRCODE = raw`[AC-FHKNPRTV-Y]\d{2}\s?[0-9AC-FHKNPRTV-Y]{4}`;
/** The postcodes that close an address, most specific first. */
const POSTCODE = new RegExp(
  [
    UK_POSTCODE,
    EIRCODE,
    raw`\d{4}\s?[A-Z]{2}`, // Netherlands: 1016 GV
    raw`\d{4,5}-\d{3}`, // Portugal, Brazil: 1100-053, 01310-200
    raw`[A-Z]{2}\s+\d{5}(?:-\d{4})?`, // United States: NY 10019
    raw`[A-Z]{2,3}\s+\d{4}`, // Australia: VIC 3065
    raw`\d{4,5}\s+[\p{Lu}][\p{L}\-]+`, // most of Europe: 10719 Berlin
    raw`\d{5}(?:-\d{4})?`,
  ]
    .map((pattern) => raw`(?<![\p{L}\p{N}])(?:${pattern})(?![\p{L}\p{N}])`)
    .join('|'),
  'gu',
);
/** What may stand between a street and its postcode: a unit, a town, a state (no sentence punctuation). */
const GAP = /^[\s,\p{L}\p{N}'’º°#/-]*$/u;
const GAP_LIMIT = 50;

const STANDALONE_UK_POSTCODE = new RegExp(raw`(?<![\p{L}\p{N}])${UK_POSTCODE}(?![\p{L}\p{N}])`, 'gu');

/** Where the address that starts with this street ends: after its postcode when one follows closely, else the street. */
function addressEnd(text: string, streetEnd: number): number {
  const window = text.slice(streetEnd, streetEnd + GAP_LIMIT + 20);
  POSTCODE.lastIndex = 0;
  const postcode = POSTCODE.exec(window);
  if (!postcode || postcode.index > GAP_LIMIT) return streetEnd;
  if (!GAP.test(window.slice(0, postcode.index))) return streetEnd;
  return streetEnd + postcode.index + postcode[0].length;
}

/**
 * Finds street addresses in US, UK and European styles (house number, street name and type, flat or suite, and the
 * town and postcode that follow), and UK postcodes on their own. A street without a number is not detected.
 */
export const detectAddresses: Detector = (text) => {
  const spans: PersonalDataSpan[] = [];
  for (const street of text.matchAll(STREET)) {
    const start = street.index;
    spans.push({ category: 'address', start, end: addressEnd(text, start + street[0].length) });
  }
  for (const street of text.matchAll(WORD_AND_NUMBER)) {
    const word = street[1] ?? '';
    if (!STREET_SUFFIX.test(word) || word.length < 5) continue;
    const start = street.index;
    if (spans.some((span) => span.start <= start && start < span.end)) continue;
    spans.push({ category: 'address', start, end: addressEnd(text, start + street[0].length) });
  }
  for (const postcode of text.matchAll(STANDALONE_UK_POSTCODE)) {
    const start = postcode.index;
    if (spans.some((span) => span.start <= start && start < span.end)) continue;
    spans.push({ category: 'address', start, end: start + postcode[0].length });
  }
  return spans;
};
