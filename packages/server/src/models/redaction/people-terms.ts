/** Someone on the person's people list, as the people store keeps them. */
export interface RedactablePerson {
  name: string;
  aliases?: readonly string[];
}

/**
 * The terms the redactor looks for from a people list: each full name, each alias, and the first word of a full name
 * when it has at least three letters ("Sam" for "Sam Patel"; "Li" of "Li Wei" is too short to be safe on its own).
 */
export function redactionTermsFor(people: readonly RedactablePerson[]): string[] {
  const terms = new Set<string>();
  for (const person of people) {
    const name = person.name.trim();
    if (name) terms.add(name);
    const first = name.split(/\s+/)[0] ?? '';
    if (name.includes(' ') && [...first].length >= 3 && !/\.$/.test(first)) terms.add(first);
    for (const alias of person.aliases ?? []) if (alias.trim()) terms.add(alias.trim());
  }
  return [...terms];
}
