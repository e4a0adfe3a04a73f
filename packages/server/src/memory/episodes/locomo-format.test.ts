import { describe, expect, it } from 'vitest';
import {
  LocomoFileSchema,
  type LocomoSample,
  locomoSessions,
  locomoTurns,
  normaliseEvidence,
  parseLocomoDateTime,
  parseLocomoFile,
} from './locomo-format.ts';

/** A made-up sample in the LoCoMo shape: sessions listed out of numeric order, an image turn, an empty session. */
function syntheticSample(): LocomoSample {
  const [sample] = LocomoFileSchema.parse([
    {
      sample_id: 'synthetic-1',
      conversation: {
        speaker_a: 'Rosa',
        speaker_b: 'Tomas',
        session_10: [{ speaker: 'Rosa', dia_id: 'D10:1', text: 'The kayak finally arrived.' }],
        session_10_date_time: '9:05 am on 2 March, 2024',
        session_2: [
          { speaker: 'Tomas', dia_id: 'D2:1', text: 'Did you finish the bookshelf?' },
          {
            speaker: 'Rosa',
            dia_id: 'D2:2',
            text: 'Yes, look!',
            blip_caption: 'a wooden bookshelf against a white wall',
            img_url: ['https://example.invalid/shelf.jpg'],
            query: 'bookshelf',
          },
        ],
        session_2_date_time: '12:30 pm on 14 January, 2024',
        session_1: [{ speaker: 'Rosa', dia_id: 'D1:1', text: 'Hi Tomas, long time!' }],
        session_1_date_time: '12:09 am on 13 January, 2024',
        session_3: [],
        session_3_date_time: '4:00 pm on 20 January, 2024',
        session_4_date_time: '5:00 pm on 21 January, 2024',
      },
      qa: [
        { question: 'What did Rosa build?', answer: 'a bookshelf', evidence: ['D2:2'], category: 4 },
        { question: 'How many kayaks?', answer: 1, evidence: ['D10:1'], category: 1, extra: true },
        { question: 'What did Tomas paint?', adversarial_answer: 'a fence', evidence: [], category: 5 },
      ],
      session_summary: { note: 'extra fields pass through' },
    },
  ]);
  return sample!;
}

describe('parseLocomoDateTime', () => {
  it('reads LoCoMo session times as UTC', () => {
    expect(parseLocomoDateTime('1:56 pm on 8 May, 2023')).toBe(Date.UTC(2023, 4, 8, 13, 56));
    expect(parseLocomoDateTime('12:09 am on 13 September, 2023')).toBe(Date.UTC(2023, 8, 13, 0, 9));
    expect(parseLocomoDateTime('12:30 pm on 1 January, 2024')).toBe(Date.UTC(2024, 0, 1, 12, 30));
    expect(parseLocomoDateTime('9:05 AM on 2 March 2024')).toBe(Date.UTC(2024, 2, 2, 9, 5));
  });

  it('rejects what is not a LoCoMo time', () => {
    for (const text of [
      'yesterday',
      '13:10 pm on 8 May, 2023',
      '1:56 pm on 31 February, 2023',
      '1:56 pm on 8 Mai, 2023',
    ]) {
      expect(() => parseLocomoDateTime(text), text).toThrow(/LoCoMo date-time/);
    }
  });
});

describe('LocomoFileSchema', () => {
  it('keeps fields it does not know', () => {
    const sample = syntheticSample();
    expect(sample.session_summary).toEqual({ note: 'extra fields pass through' });
    expect(sample.qa[1]).toMatchObject({ answer: 1, extra: true });
  });

  it('rejects a session without a date-time, a session that is not a list, and a question without evidence', () => {
    const conversation = { speaker_a: 'A', speaker_b: 'B' };
    const bad = [
      { conversation: { ...conversation, session_1: [] }, qa: [] },
      {
        conversation: { ...conversation, session_1: 'hello', session_1_date_time: '1:00 pm on 1 May, 2023' },
        qa: [],
      },
      { conversation, qa: [{ question: 'Why?', category: 1 }] },
    ];
    for (const sample of bad) {
      expect(
        LocomoFileSchema.safeParse([{ sample_id: 'x', ...sample }]).success,
        JSON.stringify(sample),
      ).toBe(false);
    }
  });

  it('parses file text with clear errors for bad JSON and wrong shapes', () => {
    expect(parseLocomoFile(JSON.stringify([]))).toEqual([]);
    expect(() => parseLocomoFile('{not json')).toThrow(/must be JSON/);
    expect(() => parseLocomoFile(JSON.stringify([{ sample_id: 1 }]))).toThrow(
      expect.objectContaining({ code: 'validation_failed' }),
    );
  });
});

describe('locomoTurns and locomoSessions', () => {
  it('flattens sessions in numeric order with a second per turn and captions kept', () => {
    const turns = locomoTurns(syntheticSample());
    expect(turns.map((turn) => turn.diaId)).toEqual(['D1:1', 'D2:1', 'D2:2', 'D10:1']);
    expect(turns[2]).toEqual({
      diaId: 'D2:2',
      session: 2,
      index: 1,
      speaker: 'Rosa',
      text: 'Yes, look!',
      caption: 'a wooden bookshelf against a white wall',
      at: Date.UTC(2024, 0, 14, 12, 30, 1),
    });
    expect(turns[0]).toMatchObject({ caption: null, at: Date.UTC(2024, 0, 13, 0, 9) });
  });

  it('lists the sessions that have turns, skipping empty ones and dates without a session', () => {
    expect(locomoSessions(syntheticSample())).toEqual([
      { session: 1, at: Date.UTC(2024, 0, 13, 0, 9), firstDiaId: 'D1:1' },
      { session: 2, at: Date.UTC(2024, 0, 14, 12, 30), firstDiaId: 'D2:1' },
      { session: 10, at: Date.UTC(2024, 2, 2, 9, 5), firstDiaId: 'D10:1' },
    ]);
  });
});

describe('normaliseEvidence', () => {
  it('repairs the malformed ids found in LoCoMo and drops what it cannot read', () => {
    expect(normaliseEvidence(['D8:6; D9:17'])).toEqual(['D8:6', 'D9:17']);
    expect(normaliseEvidence(['D:11:26'])).toEqual(['D11:26']);
    expect(normaliseEvidence(['D30:05'])).toEqual(['D30:5']);
    expect(normaliseEvidence(['D1:3', 'd1:3', 'D2:4,D2:5'])).toEqual(['D1:3', 'D2:4', 'D2:5']);
    expect(normaliseEvidence(['', 'session 4', 'D', 'D4', 'D4:x'])).toEqual([]);
  });
});
