import type { LanguageModelV3 } from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { FamiliarError } from '../../kernel/index.ts';
import type { ConfiguredModel } from '../models-config.ts';
import { createPersonalDataFinder, type PersonalDataFinder } from './find-personal-data.ts';
import { createRedactionMiddleware } from './redaction-middleware.ts';
import { createRedactionVault, type RedactionCounts, type RedactionVault } from './redaction-vault.ts';

/** Whether personal data is redacted before this model sees it: the config's `redact`, else only for cloud models. */
export function redactsPersonalData(model: Pick<ConfiguredModel, 'runsOn' | 'redact'>): boolean {
  return model.redact ?? model.runsOn === 'cloud';
}

/** What the audit log records about redaction in one call: whether it was on, and how many values per category. */
export interface RedactionSummary {
  enabled: boolean;
  counts: RedactionCounts;
}

/** The redaction of one runner call: one vault for all its steps and fallbacks, so placeholders stay stable. */
export interface CallRedaction {
  /** The model to call: wrapped with the redaction middleware when this model is redacted, else as built. */
  wrap(configured: ConfiguredModel, built: LanguageModelV3): Promise<LanguageModelV3>;
  /** For the audit log, about the model that was called last. */
  summary(configured: ConfiguredModel): RedactionSummary;
}

/** Finders built for recent people lists, so a call does not compile the same list of names again. */
export interface FinderCache {
  finderFor(people: readonly string[]): PersonalDataFinder;
}

/** Creates a cache of finders for the last `limit` distinct people lists (one per user, typically). */
export function createFinderCache(limit = 32): FinderCache {
  const finders = new Map<string, PersonalDataFinder>();
  return {
    finderFor(people) {
      const key = people.join('\u0000');
      let finder = finders.get(key);
      if (finder) {
        finders.delete(key);
      } else {
        finder = createPersonalDataFinder({ people });
        const oldest = finders.size >= limit ? finders.keys().next().value : undefined;
        if (oldest !== undefined) finders.delete(oldest);
      }
      finders.set(key, finder);
      return finder;
    },
  };
}

/**
 * Creates the redaction of one call. The people list is read once, only when a model that is redacted is about to be
 * called; when it cannot be read, that model is not called (the error says why; the runner may fall back).
 */
export function createCallRedaction({
  userId,
  terms,
  finders = createFinderCache(1),
}: {
  userId: string;
  terms?: (userId: string) => Promise<readonly string[]>;
  /** Shared by the runner's calls, so each people list is compiled once. */
  finders?: FinderCache;
}): CallRedaction {
  let vault: Promise<RedactionVault> | null = null;
  let opened: RedactionVault | null = null;
  const openVault = async (): Promise<RedactionVault> => {
    let people: readonly string[];
    try {
      people = terms ? await terms(userId) : [];
    } catch (error) {
      throw new FamiliarError(
        'storage_failed',
        `the people list could not be read, so names could not be redacted: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, retryable: true },
      );
    }
    opened = createRedactionVault({ find: finders.finderFor(people) });
    return opened;
  };
  return {
    async wrap(configured, built) {
      if (!redactsPersonalData(configured)) return built;
      vault ??= openVault();
      vault.catch(() => {
        vault = null;
      });
      const ready = await vault;
      return wrapLanguageModel({ model: built, middleware: createRedactionMiddleware({ vault: ready }) });
    },
    summary(configured) {
      return { enabled: redactsPersonalData(configured), counts: opened?.counts() ?? {} };
    },
  };
}
