import { type Detector, matchSpans } from './categories.ts';

const LOCAL = String.raw`[\p{L}\p{N}._%+\-]*[\p{L}\p{N}_%+\-]`;
const LABEL = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?`;
/** `local@domain.tld`, with Unicode letters; the top-level label is letters only, so a full stop after it stays. */
const EMAIL = new RegExp(
  String.raw`(?<![\p{L}\p{N}._%+\-])${LOCAL}@(?:${LABEL}\.)+\p{L}{2,}(?![\p{L}\p{N}\-])`,
  'gu',
);

const COMMON_TLDS =
  'com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|ie|me|info|biz|us|ca|au|br|in|jp|cn|ch|se|no|dk|fi|pt|pl|be|at';
const AT = String.raw`(?:\s*[[(]at[\])]\s*|\s+at\s+)`;
const DOT = String.raw`(?:\s*[[(]dot[\])]\s*|\s+dot\s+)`;
/** Written out to dodge spam bots: `name at example dot com`, `name [at] example [dot] com`. */
const SPELLED_OUT = new RegExp(
  String.raw`(?<![\p{L}\p{N}])[\p{L}\p{N}._\-]+${AT}[\p{L}\p{N}\-]+(?:${DOT}[\p{L}\p{N}\-]+)*${DOT}(?:${COMMON_TLDS})(?![\p{L}\p{N}])`,
  'giu',
);

const SPELLED_DOT = /\bdot\b|\[dot\]|\(dot\)/i;

/** Finds email addresses, including ones spelled out with "at" and "dot" ending in a common top-level domain. */
export const detectEmails: Detector = (text) => [
  ...(text.includes('@') ? matchSpans(text, EMAIL, 'email') : []),
  ...(SPELLED_DOT.test(text) ? matchSpans(text, SPELLED_OUT, 'email') : []),
];
