import { describe, expect, it } from 'vitest';
import type { AssistantSettings } from '../types.ts';
import { deliveryDecision, parseLocalTime, quietHoursEnd } from './policy.ts';

const LONDON = 'Europe/London';
const settings: AssistantSettings = {
  quietHours: { start: '22:00', end: '07:00' },
  digestAt: '21:00',
  maxPerHour: 3,
  maxPerDay: 10,
  notNowUntil: null,
  dateLeadDays: 7,
  reminderLeadMinutes: 0,
};
const none = { lastHour: 0, today: 0 };
const utc = (iso: string) => Date.parse(iso);

describe('deliveryDecision', () => {
  it('delivers outside quiet hours with room under the limits', () => {
    expect(deliveryDecision(settings, utc('2026-03-02T12:00:00Z'), LONDON, none)).toEqual({ deliver: true });
  });

  it('holds pushes inside quiet hours that wrap midnight until the local end, on either side of midnight', () => {
    const late = deliveryDecision(settings, utc('2026-03-02T23:30:00Z'), LONDON, none);
    expect(late).toEqual({
      deliver: false,
      retryAt: utc('2026-03-03T07:00:00Z'),
      why: 'quiet hours (22:00–07:00)',
    });
    const early = deliveryDecision(settings, utc('2026-03-03T05:59:00Z'), LONDON, none);
    expect(early.deliver === false && early.retryAt).toBe(utc('2026-03-03T07:00:00Z'));
    expect(deliveryDecision(settings, utc('2026-03-03T07:00:00Z'), LONDON, none).deliver).toBe(true);
    expect(deliveryDecision(settings, utc('2026-03-02T21:59:00Z'), LONDON, none).deliver).toBe(true);
  });

  it('follows the local clock across a DST change: 07:00 BST the morning clocks go forward', () => {
    // Clocks go forward at 01:00 UTC on 29 March 2026; 07:00 local is then 06:00 UTC.
    const decision = deliveryDecision(settings, utc('2026-03-28T23:00:00Z'), LONDON, none);
    expect(decision).toMatchObject({ deliver: false, retryAt: utc('2026-03-29T06:00:00Z') });
    const newYork = deliveryDecision(
      { ...settings, quietHours: { start: '23:00', end: '06:30' } },
      utc('2026-11-01T05:00:00Z'), // 01:00 EDT, the first of the repeated hour
      'America/New_York',
      none,
    );
    // 06:30 EST on 1 November is 11:30 UTC.
    expect(newYork).toMatchObject({ deliver: false, retryAt: utc('2026-11-01T11:30:00Z') });
  });

  it('supports quiet hours inside one day and none at all', () => {
    const siesta = { ...settings, quietHours: { start: '13:00', end: '15:00' } };
    expect(deliveryDecision(siesta, utc('2026-07-01T12:30:00Z'), LONDON, none)).toMatchObject({
      deliver: false,
      retryAt: utc('2026-07-01T14:00:00Z'),
    });
    expect(
      deliveryDecision({ ...settings, quietHours: null }, utc('2026-03-02T23:30:00Z'), LONDON, none),
    ).toEqual({
      deliver: true,
    });
  });

  it('waits for "not now", and past it for quiet hours when "not now" ends inside them', () => {
    const notNow = { ...settings, notNowUntil: utc('2026-03-02T15:00:00Z') };
    expect(deliveryDecision(notNow, utc('2026-03-02T12:00:00Z'), LONDON, none)).toMatchObject({
      deliver: false,
      retryAt: utc('2026-03-02T15:00:00Z'),
      why: 'not now (until Mon 2 Mar 15:00)',
    });
    const intoQuiet = { ...settings, notNowUntil: utc('2026-03-02T23:00:00Z') };
    const decision = deliveryDecision(intoQuiet, utc('2026-03-02T20:00:00Z'), LONDON, none);
    expect(decision).toMatchObject({ deliver: false, retryAt: utc('2026-03-03T07:00:00Z') });
    expect(decision.deliver === false && decision.why).toContain('quiet hours');
    expect(deliveryDecision(notNow, utc('2026-03-02T15:00:00Z'), LONDON, none).deliver).toBe(true);
  });

  it('holds to the hourly limit until the rolling window frees', () => {
    const now = utc('2026-03-02T12:00:00Z');
    expect(deliveryDecision(settings, now, LONDON, { lastHour: 2, today: 2 }).deliver).toBe(true);
    expect(deliveryDecision(settings, now, LONDON, { lastHour: 3, today: 3 })).toMatchObject({
      deliver: false,
      retryAt: now + 3_600_000,
      why: 'hourly limit (3 of 3 in the last hour)',
    });
    expect(
      deliveryDecision(settings, now, LONDON, { lastHour: 3, today: 3, oldestInLastHour: now - 40 * 60_000 }),
    ).toMatchObject({ deliver: false, retryAt: now + 20 * 60_000 });
  });

  it('holds to the daily limit until the next local day, and then past its quiet hours', () => {
    const noQuiet = { ...settings, quietHours: null };
    const now = utc('2026-03-02T18:00:00Z');
    expect(deliveryDecision(noQuiet, now, LONDON, { lastHour: 0, today: 10 })).toMatchObject({
      deliver: false,
      retryAt: utc('2026-03-03T00:00:00Z'),
      why: 'daily limit (10 of 10 today)',
    });
    // With quiet hours the next local day starts quiet: the push waits until 07:00.
    expect(deliveryDecision(settings, now, LONDON, { lastHour: 0, today: 10 })).toMatchObject({
      deliver: false,
      retryAt: utc('2026-03-03T07:00:00Z'),
    });
    // In New York the local day starts at 05:00 UTC.
    expect(deliveryDecision(noQuiet, now, 'America/New_York', { lastHour: 0, today: 10 })).toMatchObject({
      retryAt: utc('2026-03-03T05:00:00Z'),
    });
  });
});

describe('local times', () => {
  it('parses HH:MM and refuses anything else with validation_failed', () => {
    expect(parseLocalTime('07:05')).toEqual({ hour: 7, minute: 5 });
    expect(() => parseLocalTime('7:05')).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() => parseLocalTime('24:00')).toThrow();
  });

  it('treats equal start and end as no quiet hours', () => {
    expect(quietHoursEnd({ start: '22:00', end: '22:00' }, utc('2026-03-02T22:30:00Z'), LONDON)).toBeNull();
  });
});
