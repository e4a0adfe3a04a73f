import { describe, expect, it } from 'vitest';
import { excludeFrame, passesLuhn } from './exclusion-rules.ts';

describe('frame exclusion rules', () => {
  it('drops frames that show a payment card number', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(excludeFrame('VISA\n4111 1111 1111 1111\nVALID THRU 12/29')).toMatchObject({
      rule: 'card-number',
    });
    expect(excludeFrame('card: 5500-0000-0000-0004')).toMatchObject({ rule: 'card-number' });
  });

  it('keeps frames with other long numbers', () => {
    expect(excludeFrame('Order 4111 1111 1111 1112 shipped')).toBeNull();
    expect(excludeFrame('Call 0800 123 4567 today')).toBeNull();
    expect(excludeFrame('0000000000000000')).toBeNull();
  });

  it('drops frames that show a password field, and keeps the word alone', () => {
    expect(excludeFrame('Username ada\nPassword ••••••••')).toMatchObject({ rule: 'password-field' });
    expect(excludeFrame('wifi password: hunter22')).toMatchObject({ rule: 'password-field' });
    expect(excludeFrame('Forgot your password?')).toBeNull();
  });
});
