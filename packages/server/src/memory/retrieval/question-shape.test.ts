import { describe, expect, it } from 'vitest';
import { asksForSeveral, firstName, speakerTerms } from './question-shape.ts';

describe('asksForSeveral', () => {
  it('recognises questions after several things', () => {
    for (const question of [
      'What activities does Sam do on weekends?',
      'Which cities has Priya visited?',
      'What kind of books does Ana like?',
      'How many times did we go swimming?',
      'What do Ana and Tom both enjoy?',
      'What do we have in common?',
    ])
      expect(asksForSeveral(question), question).toBe(true);
  });

  it('leaves questions after one thing alone', () => {
    for (const question of [
      'What did Sam paint yesterday?',
      'What motivates Priya to run?',
      'Where is the business meeting?',
      'What does the class focus on?',
      'When did Ana move?',
    ])
      expect(asksForSeveral(question), question).toBe(false);
  });
});

describe('speaker names', () => {
  it('picks the question terms that name a speaker', () => {
    expect(firstName(' Ana María López ')).toBe('ana');
    expect([...speakerTerms(['ana', 'pottery', 'tom'], ['Ana López', 'Priya'])]).toEqual(['ana']);
  });
});
