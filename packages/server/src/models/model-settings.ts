import type { ModelSettings } from '@familiar/protocol';
import type { AuditLog } from '../audit/index.ts';
import { type Clock, FamiliarError } from '../kernel/index.ts';
import type { ModelSettingsStore } from './model-settings-store.ts';
import type { ConfiguredModel } from './models-config.ts';

/** Who changes a setting, for the store and the audit log (`cli`, `device:<id>`, `web:<session>`). */
export interface ModelSettingsActor {
  userId: string;
  label: string;
}

/**
 * Each person's model settings: the "Open models only" switch. The model runner reads `personOpenOnly` at each call
 * and keeps the person's calls to open-weights models while it is on. familiar.config.json's models.openOnly is a
 * floor: while it is on, the switch is on for everyone and cannot be turned off here. Every change is audited as
 * `models.open-only` with the person's setting after and before it.
 */
export function createModelSettings(deps: {
  store: ModelSettingsStore;
  audit: AuditLog;
  clock: Clock;
  /** The configured models, listed with what the switch decides about them. */
  models: readonly ConfiguredModel[];
  /** familiar.config.json → models.openOnly. */
  configOpenOnly: boolean;
}) {
  const { store, audit, clock, models, configOpenOnly } = deps;

  const personOpenOnly = async (userId: string): Promise<boolean> =>
    (await store.get(userId))?.openOnly ?? false;

  const present = (own: boolean): ModelSettings => ({
    openOnly: configOpenOnly || own,
    lockedByConfig: configOpenOnly,
    models: models.map((model) => ({
      id: model.id,
      runsOn: model.runsOn,
      local: model.runsOn !== 'cloud',
      openWeights: model.openWeights,
      catalogEntry: model.entry?.id ?? null,
      tasks: [...model.tasks],
    })),
  });

  return {
    /** The person's own switch (off when never set), without the config's floor. */
    personOpenOnly,
    /** What Settings shows: the switch as it applies to the person's calls, whether the config holds it, the models. */
    async view(userId: string): Promise<ModelSettings> {
      return present(await personOpenOnly(userId));
    },
    /**
     * Sets the person's switch. Setting what it already is changes nothing and records nothing. Turning it off while
     * models.openOnly holds it on is refused (`conflict`) and changes nothing; turning it on then is kept, so it stays
     * on if the config is changed later.
     */
    async setOpenOnly(
      actor: ModelSettingsActor,
      openOnly: boolean,
    ): Promise<{ settings: ModelSettings; changed: boolean }> {
      if (configOpenOnly && !openOnly) {
        throw new FamiliarError(
          'conflict',
          '"Open models only" is on for everyone on this server (models.openOnly in familiar.config.json), so it cannot be turned off for one person; whoever runs the server can change it there',
          { details: { lockedByConfig: true } },
        );
      }
      const previous = await personOpenOnly(actor.userId);
      if (previous === openOnly) return { settings: present(previous), changed: false };
      const now = clock.now();
      await store.set({ userId: actor.userId, openOnly, changedAt: now, changedBy: actor.label });
      await audit.record({
        userId: actor.userId,
        at: now,
        actor: actor.label,
        action: 'models.open-only',
        target: null,
        details: { openOnly, previous },
      });
      return { settings: present(openOnly), changed: true };
    },
  };
}

/** The model settings service's type. */
export type ModelSettingsService = ReturnType<typeof createModelSettings>;
