import { type Detector, matchSpans, type PersonalDataSpan } from './categories.ts';

const raw = String.raw;

/** A decimal degree with at least three decimals (about 100 m or better), an optional ° and hemisphere letter. */
const LATITUDE = raw`[-+]?\d{1,2}\.\d{3,}(?:\s?°)?(?:\s?[NS](?![\p{L}]))?`;
const LONGITUDE = raw`[-+]?\d{1,3}\.\d{3,}(?:\s?°)?(?:\s?[EW](?![\p{L}]))?`;
/** "51.5033, -0.1276", "48.8584,2.2945", "52.5163°N 13.3777°E", "51.50330/-0.12760" (as in map links). */
const DECIMAL_PAIR = new RegExp(
  raw`(?<![\p{L}\p{N}.])${LATITUDE}\s?[,;/ ]\s?${LONGITUDE}(?![\p{N}]|\.\d)`,
  'gu',
);
/** A coordinate named as such: "lat 41.8902", "longitude: -2.9916", "lng=-122.0841". */
const LABELLED = /\b(?:lat(?:itude)?|lon(?:gitude)?|lng|long)\s*[:=]?\s*([-+]?\d{1,3}\.\d{3,})(?!\d)/giu;

const SECONDS = raw`(?:\s?\d{1,2}(?:\.\d+)?\s?(?:"|″|''|”))?`;
const DMS = raw`\d{1,3}\s?°\s?\d{1,2}(?:\.\d+)?\s?(?:'|′|’)?${SECONDS}\s?[NSEW]`;
/** Degrees, minutes and seconds: 48°51'30.2"N 2°17'40.2"E, 51° 30′ 12″ N, 0° 7′ 39″ W. */
const DMS_PAIR = new RegExp(raw`(?<![\p{L}\p{N}])${DMS}\s?[,;]?\s?${DMS}(?![\p{L}])`, 'gu');
/** Hemisphere first, degrees and decimal minutes, as geocachers write: N 51° 30.200 W 000° 07.656. */
const DECIMAL_MINUTES_PAIR =
  /(?<![\p{L}\p{N}])[NS]\s?\d{1,2}\s?°\s?\d{1,2}\.\d+\s?,?\s?[EW]\s?\d{1,3}\s?°\s?\d{1,2}\.\d+/gu;

const PLUS_CODE_CHARACTER = '[23456789CFGHJMPQRVWX]';
/** Open Location Codes, full (849VCWC8+Q9) or short with a town (CWC8+Q9 Mountain View). */
const PLUS_CODE = new RegExp(
  raw`(?<![\p{L}\p{N}+])(?:[2-9C][2-9CFGHJMPQRV]${PLUS_CODE_CHARACTER}{6}|${PLUS_CODE_CHARACTER}{4}(?:${PLUS_CODE_CHARACTER}{2})?)\+${PLUS_CODE_CHARACTER}{2,3}(?![\p{L}\p{N}])`,
  'gu',
);

function inRange(latitude: number, longitude: number): boolean {
  return Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180;
}

/**
 * Finds precise locations: decimal coordinate pairs (also inside geo: URIs and map links), coordinates named lat/lon,
 * degrees-minutes-seconds pairs and plus codes. A lone number with fewer than three decimals is not a location.
 */
export const detectLocations: Detector = (text) => {
  const spans: PersonalDataSpan[] = matchSpans(text, DECIMAL_PAIR, 'location', (match) => {
    const [latitude = Number.NaN, longitude = Number.NaN] = (match[0].match(/[-+]?\d+\.\d+/g) ?? []).map(
      Number,
    );
    return inRange(latitude, longitude) ? { start: match.index, end: match.index + match[0].length } : null;
  });
  spans.push(
    ...matchSpans(text, LABELLED, 'location', (match) => {
      const value = match[1] ?? '';
      const start = match.index + match[0].length - value.length;
      return Math.abs(Number(value)) <= 180 ? { start, end: start + value.length } : null;
    }),
    ...matchSpans(text, DMS_PAIR, 'location'),
    ...matchSpans(text, DECIMAL_MINUTES_PAIR, 'location'),
    ...matchSpans(text, PLUS_CODE, 'location', (match) =>
      /\d/.test(match[0]) ? { start: match.index, end: match.index + match[0].length } : null,
    ),
  );
  return spans;
};
