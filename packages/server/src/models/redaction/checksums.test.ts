import { describe, expect, it } from 'vitest';
import { abaRoutingValid, ibanValid, luhnValid } from './checksums.ts';

describe('checksums', () => {
  it('accepts Luhn-valid card numbers and refuses one changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('4111 1111 1111 1111')).toBe(false);
  });

  it('checks an IBAN by mod-97 and by its country length, with spaces and in any case', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('de89370400440532013000')).toBe(true);
    expect(ibanValid('GB82 WEST 1234 5698 7654 33')).toBe(false);
    // A right check for a wrong length is still refused.
    expect(ibanValid('GB82WEST123456987654')).toBe(false);
    expect(ibanValid('ZZ82WEST12345698765432')).toBe(false);
  });

  it('checks US routing numbers with the 3-7-1 weights', () => {
    expect(abaRoutingValid('021000021')).toBe(true);
    expect(abaRoutingValid('021000022')).toBe(false);
    expect(abaRoutingValid('000000000')).toBe(false);
    expect(abaRoutingValid('12345678')).toBe(false);
  });
});
