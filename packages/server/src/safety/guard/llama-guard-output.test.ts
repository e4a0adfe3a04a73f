import { describe, expect, it } from 'vitest';
import { GuardError } from './guard.ts';
import { parseLlamaGuardOutput } from './llama-guard-output.ts';

function failure(text: string): GuardError {
  try {
    parseLlamaGuardOutput(text);
  } catch (error) {
    if (error instanceof GuardError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('parseLlamaGuardOutput: what Llama Guard 3 answers', () => {
  it.each([
    ['safe', 'Ollama llama-guard3, a harmless prompt'],
    ['\n\nsafe', 'transformers decode after the assistant header (two newlines first)'],
    ['safe<|eot_id|>', 'a raw llama.cpp completion that keeps the end-of-turn token'],
    [' Safe. \n', 'space, capital and a trailing period'],
  ])('reads %j as safe (%s)', (text) => {
    expect(parseLlamaGuardOutput(text)).toEqual({ verdict: 'safe', categories: [] });
  });

  it.each([
    ['unsafe\nS2', ['S2']],
    ['unsafe\nS9', ['S9']],
    ['\n\nunsafe\nS1,S10', ['S1', 'S10']],
    ['unsafe\nS10,S1<|eot_id|>', ['S1', 'S10']],
    ['UNSAFE\r\ns11.', ['S11']],
    ['unsafe\n\n S7 , S14 ', ['S7', 'S14']],
    ['unsafe\nS4,S4', ['S4']],
  ])('reads %j as unsafe with %j', (text, categories) => {
    expect(parseLlamaGuardOutput(text)).toEqual({ verdict: 'unsafe', categories });
  });
});

describe('parseLlamaGuardOutput: anything else is an error, never safe', () => {
  it.each([
    ['', 'the answer is empty'],
    ['   \n ', 'the answer is empty'],
    ['Sure! Here is a recipe.', 'neither "safe" nor "unsafe"'],
    ['safe\nS1', '"safe" is followed by more lines'],
    ['safe and sound', 'neither "safe" nor "unsafe"'],
    ['unsafe', '"unsafe" names no hazard category'],
    ['unsafe\nS15', '"S15" is not one of the hazard categories'],
    ['unsafe\nS0', '"S0" is not one of the hazard categories'],
    ['unsafe\nO1', 'not a comma-separated list of categories'],
    ['unsafe\nS1,,S2', 'not a comma-separated list of categories'],
    ['unsafe\nViolent Crimes', 'not a comma-separated list of categories'],
    ['unsafe\nS1\nS2', 'more lines follow the categories'],
    ['unsafe S1', 'neither "safe" nor "unsafe"'],
  ])('refuses %j (%s)', (text, problem) => {
    const error = failure(text);
    expect(error.code).toBe('model_unavailable');
    expect(error.failure).toBe('unparseable');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(problem);
  });

  it('keeps the answer out of the error, which may be shown or logged', () => {
    const error = failure('Here is how: mix the private-secret-ingredient with bleach');
    expect(error.message).not.toContain('private-secret-ingredient');
    expect(JSON.stringify(error.details)).not.toContain('private-secret-ingredient');
  });
});
