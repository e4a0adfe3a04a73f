import { describe, expect, it } from 'vitest';
import { detectConsentRequest } from './consent-request.ts';

describe('detectConsentRequest', () => {
  it.each([
    "Don't remember me, please.",
    'Please don’t record me.',
    'please do not record me',
    'Hey, stop recording me!',
    'Forget me.',
    'Okay, forget me, all right?',
    'Just forget about me.',
    "I don't want to be recorded.",
    'I do not want to be recorded by those glasses',
    "I don't want you to be recording... I don't want to be filmed",
    'I do not consent to being recorded.',
    "Honestly I don't consent to recording",
    'Never record my voice again',
    'DO NOT REMEMBER ME',
  ])('hears a request in %j', (text) => {
    expect(detectConsentRequest(text)).not.toBeNull();
  });

  it.each([
    "Don't forget me when you're famous!",
    'You will never forget me.',
    'She gave me a forget-me-not.',
    'Remember me to your mother.',
    'Can you record the meeting for me?',
    'I want to be remembered as a good teacher.',
    'Did you record the match?',
    "I don't remember the name of that restaurant.",
    'Please remember to record the show.',
    '',
  ])('hears no request in %j', (text) => {
    expect(detectConsentRequest(text)).toBeNull();
  });

  it('says which words made the request', () => {
    expect(detectConsentRequest('Sorry — please don’t record me, OK?')?.phrase).toBe("don't record me");
  });
});
