import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPersonalDataFinder } from './find-personal-data.ts';
import { createPlaceholderStreamRestorer, createRedactionVault } from './redaction-vault.ts';

const find = createPersonalDataFinder({ people: ['Sam Patel', 'Sam', 'Ana'] });
const TEXT =
  'Sam Patel (sam@example.com, +44 20 7946 0958) told Ana: email sam@example.com, not ana@example.com.';

describe('redaction vault', () => {
  it('gives each distinct value one placeholder, numbered per category, and restores the exact text', () => {
    const vault = createRedactionVault({ find });
    const redacted = vault.redact(TEXT);
    expect(redacted).toBe(
      '[PERSON_1] ([EMAIL_1], [PHONE_1]) told [PERSON_2]: email [EMAIL_1], not [EMAIL_2].',
    );
    expect(vault.restore(redacted)).toBe(TEXT);
    expect(vault.counts()).toEqual({ person: 2, email: 2, phone: 1 });
  });

  it('keeps placeholders stable across texts of the same call', () => {
    const vault = createRedactionVault({ find });
    vault.redact('Ask Ana.');
    expect(vault.redact('Sam and Ana')).toBe('[PERSON_2] and [PERSON_1]');
  });

  it('never issues a placeholder that already occurs in the text, and leaves that text as it was', () => {
    const vault = createRedactionVault({ find });
    const text = 'The template says [EMAIL_1]; my address is sam@example.com';
    const redacted = vault.redact(text);
    expect(redacted).toBe('The template says [EMAIL_1]; my address is [EMAIL_2]');
    expect(vault.restore('[EMAIL_1] vs [EMAIL_2]')).toBe('[EMAIL_1] vs sam@example.com');
    expect(vault.restore(redacted)).toBe(text);
  });

  it('replaces a literal copy of a placeholder it issued earlier, so restoring cannot turn it into data', () => {
    const vault = createRedactionVault({ find });
    vault.redact('sam@example.com');
    const later = vault.redact('Why did the model write [EMAIL_1]?');
    expect(later).toBe('Why did the model write [EMAIL_2]?');
    expect(vault.restore(later)).toBe('Why did the model write [EMAIL_1]?');
  });

  it('restores a placeholder whose label case a model changed, and leaves unknown ones', () => {
    const vault = createRedactionVault({ find });
    vault.redact('sam@example.com');
    expect(vault.restore('[email_1] [EMAIL_9] [EMAIL_1')).toBe('sam@example.com [EMAIL_9] [EMAIL_1');
  });

  it('escapes restored values for JSON when asked', () => {
    const vault = createRedactionVault({ find });
    const redacted = vault.redact('at 48°51\'30.2"N 2°17\'40.2"E');
    const json = `{"place":"${redacted.slice(3)}"}`;
    expect(JSON.parse(vault.restore(json, (value) => JSON.stringify(value).slice(1, -1)))).toEqual({
      place: '48°51\'30.2"N 2°17\'40.2"E',
    });
  });
});

describe('placeholder stream restorer', () => {
  it('restores placeholders however the text is cut into deltas', () => {
    const vault = createRedactionVault({ find });
    const redacted = vault.redact(TEXT);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: redacted.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const pieces = [0, ...points].map((from, index) =>
          redacted.slice(from, points[index] ?? redacted.length),
        );
        const restorer = createPlaceholderStreamRestorer(vault);
        const out = pieces.map((piece) => restorer.push(piece)).join('') + restorer.flush();
        expect(out).toBe(TEXT);
      }),
    );
  });

  it('holds back only what could still become a placeholder', () => {
    const vault = createRedactionVault({ find });
    vault.redact('sam@example.com');
    const restorer = createPlaceholderStreamRestorer(vault);
    expect(restorer.push('see [EMA')).toBe('see ');
    expect(restorer.push('IL_1] and [note')).toBe('sam@example.com and [note');
    expect(restorer.push(' [PERSON_')).toBe(' ');
    expect(restorer.flush()).toBe('[PERSON_');
  });
});
