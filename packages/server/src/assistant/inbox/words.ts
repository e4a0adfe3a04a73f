/** Curly quotes and apostrophes made straight, so patterns need to know only one of each. */
export function straighten(text: string): string {
  return text.replace(/[\u2018\u2019\u02bc`]/gu, "'").replace(/[\u201c\u201d]/gu, '"');
}

/** The sentences of a text with where each starts; a sentence ends at . ! ? ; or a line break. */
export function sentencesOf(text: string): Array<{ text: string; index: number }> {
  const found: Array<{ text: string; index: number }> = [];
  for (const match of text.matchAll(/[^.!?;\n]+(?:[.!?;]+|\n|$)/gu)) {
    const raw = match[0];
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed) found.push({ text: trimmed, index: match.index + lead });
  }
  return found;
}

/** A phrase cut to at most `max` characters at a word boundary, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/u, '')}…`;
}

/** The phrase with its first letter in upper case. */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
