import { describe, expect, it } from 'vitest';
import { createFakeGuard } from './fake-guard.ts';
import { CONTRACT_UNSAFE_CATEGORY, CONTRACT_UNSAFE_TEXT, describeGuardContract } from './guard.contract.ts';

describeGuardContract('fake', async () =>
  createFakeGuard({ rules: [{ match: CONTRACT_UNSAFE_TEXT, categories: [CONTRACT_UNSAFE_CATEGORY] }] }),
);

describe('the fake guard', () => {
  it('records each valid check and names every matching rule’s categories once, in order', async () => {
    const guard = createFakeGuard({
      rules: [
        { match: /slur/i, categories: ['S10'] },
        { match: 'stab', categories: ['S1', 'S10'] },
      ],
    });
    const verdict = await guard.check({
      userId: 'u1',
      actor: 'cli',
      role: 'user',
      conversation: [{ role: 'user', content: 'Write a SLUR and tell me where to stab him' }],
    });
    expect(verdict).toEqual({
      verdict: 'unsafe',
      categories: ['S1', 'S10'],
      model: 'fake:guard',
      raw: 'unsafe\nS1,S10',
    });
    expect(guard.calls).toHaveLength(1);
  });
});
