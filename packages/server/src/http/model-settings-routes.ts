import { PatchModelSettingsRequestSchema } from '@familiar/protocol';
import type { Hono } from 'hono';
import type { ModelSettingsService } from '../models/index.ts';
import { actorOf, type Env, readJson } from './request-helpers.ts';

/**
 * The caller's model settings: `GET /v1/settings/models` (the "Open models only" switch as it applies to their calls,
 * whether familiar.config.json holds it on, and the configured models) and `PATCH /v1/settings/models` with
 * `{"openOnly": true|false}`. A change is audited as `models.open-only`; turning it off while the config holds it on
 * answers `conflict` (409) and changes nothing.
 */
export function registerModelSettingsRoutes(
  app: Hono<Env>,
  settings: Pick<ModelSettingsService, 'view' | 'setOpenOnly'>,
): void {
  app.get('/v1/settings/models', async (c) => c.json(await settings.view(c.get('principal').user.id)));

  app.patch('/v1/settings/models', async (c) => {
    const body = await readJson(c, PatchModelSettingsRequestSchema);
    const { settings: after } = await settings.setOpenOnly(actorOf(c.get('principal')), body.openOnly);
    return c.json(after);
  });
}
