import { describe, expect, it } from 'vitest';
import { askedNouns } from './asked-nouns.ts';

describe('askedNouns', () => {
  it('finds the phrase naming what a question asks for, head noun last', () => {
    expect(askedNouns('What activities does Sam do on weekends?')).toEqual([['activities']]);
    expect(askedNouns('Which European countries has Priya been to?')).toEqual([['european', 'countries']]);
    expect(askedNouns('What kind of art does Ana make?')).toEqual([['art']]);
    expect(askedNouns('How many dogs does Tom have?')).toEqual([['dogs']]);
    expect(askedNouns("What are Ana's hobbies?")).toEqual([['hobbies']]);
  });

  it('finds nothing when the question names no kind of thing', () => {
    expect(askedNouns('What did Sam paint yesterday?')).toEqual([]);
    expect(askedNouns('Where did Ana move from?')).toEqual([]);
    expect(askedNouns('How many times did we meet?')).toEqual([]);
  });

  it('never takes a name for the kind asked about', () => {
    expect(askedNouns('Which Priya has Tom met?')).toEqual([]);
  });
});
