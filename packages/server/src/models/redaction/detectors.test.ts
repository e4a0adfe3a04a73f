import { describe, expect, it } from 'vitest';
import type { Detector } from './categories.ts';
import { detectAccounts } from './detect-accounts.ts';
import { detectAddresses } from './detect-addresses.ts';
import { detectCards } from './detect-cards.ts';
import { detectEmails } from './detect-emails.ts';
import { detectLocations } from './detect-locations.ts';
import { createPeopleDetector } from './detect-people.ts';
import { detectPhones } from './detect-phones.ts';

/** The texts a detector found, in order. */
const found = (detect: Detector, text: string) =>
  detect(text)
    .sort((a, b) => a.start - b.start)
    .map((span) => text.slice(span.start, span.end));

// These examples are not in the evaluation corpus (test/fixtures/redaction/corpus.yaml): they check the detectors
// generalise beyond it.
describe('detectEmails', () => {
  it('finds addresses with plus tags, subdomains and Unicode, without the full stop after them', () => {
    expect(found(detectEmails, 'Write to grace.hopper+navy@cs.example.edu.')).toEqual([
      'grace.hopper+navy@cs.example.edu',
    ]);
    expect(found(detectEmails, 'Contact josé.núñez@correo.example.mx today')).toEqual([
      'josé.núñez@correo.example.mx',
    ]);
    expect(found(detectEmails, 'name (at) host (dot) org')).toEqual(['name (at) host (dot) org']);
  });

  it('leaves @handles, versions and "at" phrases alone', () => {
    expect(found(detectEmails, 'Follow @familiar on the site; we met at noon.')).toEqual([]);
    expect(found(detectEmails, 'npm i left-pad@1.3.0')).toEqual([]);
  });
});

describe('detectPhones', () => {
  it('finds international and national numbers', () => {
    expect(found(detectPhones, 'Call +1 (202) 555-0147 or 0131 496 0011.')).toEqual([
      '+1 (202) 555-0147',
      '0131 496 0011',
    ]);
    expect(found(detectPhones, 'Büro: +49 (0)40 123 45 67')).toEqual(['+49 (0)40 123 45 67']);
    expect(found(detectPhones, 'ring 0039 02 1234 5678 later')).toEqual(['0039 02 1234 5678']);
  });

  it('leaves dates, times, versions, money and years alone', () => {
    for (const text of [
      'Released on 2025-11-03 at 10:15.',
      'See you 03.11.2025.',
      'Version 12.4.1 costs $1,499.00.',
      'From 1999-2004 she lived abroad.',
      'Order 558812 ships in 3 days.',
    ]) {
      expect(found(detectPhones, text)).toEqual([]);
    }
  });
});

describe('detectCards', () => {
  it('finds Luhn-valid card numbers with spaces, dashes or none, and not the CVV after them', () => {
    expect(found(detectCards, 'Visa 4000 0566 5566 5556 cvv 737')).toEqual(['4000 0566 5566 5556']);
    expect(found(detectCards, 'Amex 3714-496353-98431.')).toEqual(['3714-496353-98431']);
    expect(found(detectCards, 'MC 5200828282828210 exp 12/29 412')).toEqual(['5200828282828210']);
  });

  it('refuses numbers that fail Luhn or belong to no card scheme', () => {
    expect(found(detectCards, 'Ref 4000 0566 5566 5557')).toEqual([]);
    expect(found(detectCards, 'ISBN 978-3-16-148410-0')).toEqual([]);
    expect(found(detectCards, 'Tracking 9400111899223859201839')).toEqual([]);
  });
});

describe('detectAccounts', () => {
  it('finds IBANs with and without spaces, trimmed to their country length', () => {
    expect(found(detectAccounts, 'IBAN GB29 NWBK 6016 1331 9268 19 by Friday')).toEqual([
      'GB29 NWBK 6016 1331 9268 19',
    ]);
    expect(found(detectAccounts, 'to FR7630006000011234567890189.')).toEqual(['FR7630006000011234567890189']);
    expect(found(detectAccounts, 'GB29 NWBK 6016 1331 9268 18 is a typo')).toEqual([]);
  });

  it('finds sort codes, routing and account numbers named as such', () => {
    expect(found(detectAccounts, 'sort code 11-22-33, account 44556677')).toEqual(['11-22-33', '44556677']);
    expect(found(detectAccounts, 'routing no. 091000019 and acct #20000123456')).toEqual([
      '091000019',
      '20000123456',
    ]);
    expect(found(detectAccounts, 'details 11-22-33 / 44556677')).toEqual(['11-22-33', '44556677']);
  });

  it('leaves numbers that nothing calls an account alone', () => {
    expect(
      found(detectAccounts, 'Routing 123456789 is wrong. Room 20-11-05 is booked; 44556677 people.'),
    ).toEqual([]);
  });
});

describe('detectAddresses', () => {
  it('finds the street, flat and postcode of US, UK and European addresses', () => {
    expect(found(detectAddresses, 'Apt 2, 19 Lime Street, Liverpool L1 1JQ.')).toEqual([
      'Apt 2, 19 Lime Street, Liverpool L1 1JQ',
    ]);
    expect(found(detectAddresses, 'at 742 Evergreen Terrace, Springfield, OR 97403')).toEqual([
      '742 Evergreen Terrace, Springfield, OR 97403',
    ]);
    expect(found(detectAddresses, 'Schillerstraße 12, 60313 Frankfurt')).toEqual([
      'Schillerstraße 12, 60313 Frankfurt',
    ]);
    expect(found(detectAddresses, 'Piazza Navona 45, 00186 Roma')).toEqual(['Piazza Navona 45, 00186 Roma']);
    expect(found(detectAddresses, 'chez nous, 8 avenue de la République')).toEqual([
      '8 avenue de la République',
    ]);
    expect(found(detectAddresses, 'postcode SW1A 1AA please')).toEqual(['SW1A 1AA']);
    expect(found(detectAddresses, 'Vesterbrogade 12, 1620 København')).toEqual([
      'Vesterbrogade 12, 1620 København',
    ]);
  });

  it('leaves numbers followed by ordinary words alone', () => {
    for (const text of [
      'We walked 3 miles up the hill.',
      'Take bus 12 to Oxford Circus.',
      'Finished 2 laps of the park.',
      'Spring 2024 was wet; During 2023 we moved; the Brigade 7 show; Wedding 2019.',
    ]) {
      expect(found(detectAddresses, text)).toEqual([]);
    }
  });
});

describe('createPeopleDetector', () => {
  const detect = createPeopleDetector(['Nadia Rahman', 'Nadia', 'Grace', 'Renée']);

  it('finds names and aliases in any case, possessives, and without accents', () => {
    expect(found(detect, "Nadia Rahman's car; ask nadia; NADIA knows")).toEqual([
      'Nadia Rahman',
      'nadia',
      'NADIA',
    ]);
    expect(found(detect, 'Renee and Renée')).toEqual(['Renee', 'Renée']);
  });

  it('matches a name that is an everyday word only when capitalised, and never inside another word', () => {
    expect(found(detect, 'Grace said grace before dinner')).toEqual(['Grace']);
    expect(found(detect, 'Nadiana and Canadian friends')).toEqual([]);
  });

  it('finds nothing without a people list', () => {
    expect(found(createPeopleDetector([]), 'Sam and Ana')).toEqual([]);
  });
});

describe('detectLocations', () => {
  it('finds decimal pairs, labelled coordinates, DMS pairs and plus codes', () => {
    expect(found(detectLocations, 'pin at 34.0522, -118.2437 now')).toEqual(['34.0522, -118.2437']);
    expect(found(detectLocations, 'https://www.google.com/maps/@-23.5505,-46.6333,12z')).toEqual([
      '-23.5505,-46.6333',
    ]);
    expect(found(detectLocations, 'lat: 59.3293 lng: 18.0686')).toEqual(['59.3293', '18.0686']);
    expect(found(detectLocations, '40°26\'46"N 79°58\'56"W')).toEqual(['40°26\'46"N 79°58\'56"W']);
    expect(found(detectLocations, 'code 9FFW84J9+XG')).toEqual(['9FFW84J9+XG']);
  });

  it('leaves coarse or out-of-range numbers alone', () => {
    expect(found(detectLocations, 'Scores 51.5, -0.12 and 3.14159, 2.71828 and 95.1234, 10.1234')).toEqual([
      '3.14159, 2.71828',
    ]);
    expect(found(detectLocations, 'C++ and A+B tests')).toEqual([]);
  });
});
