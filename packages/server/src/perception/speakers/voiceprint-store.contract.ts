import { describe, expect, it } from 'vitest';
import type { PeopleStore } from '../../memory/index.ts';
import type { Voiceprint, VoiceprintStore } from './voiceprint-store.ts';

/** A fresh store; users u1 and u2 exist, and person p1 belongs to u1. */
export type VoiceprintStoreFactory = () => VoiceprintStore | Promise<VoiceprintStore>;

/**
 * A fresh store in a database beside its people registry (users u1 and u2, no people yet), and a way to damage a
 * stored vector as a broken disk would (`bytes` as the stored value).
 */
export type DatabaseVoiceprintStoreFactory = () => Promise<{
  store: VoiceprintStore;
  people: PeopleStore;
  damage(id: string, bytes: Uint8Array): Promise<void>;
}>;

const voiceprint = (overrides: Partial<Voiceprint> & { id: string }): Voiceprint => ({
  userId: 'u1',
  personId: null,
  label: 'wearer',
  model: 'model-a.onnx',
  dimension: 4,
  vector: Float32Array.from([0.5, -0.25, 1e-7, 3]),
  createdAt: 1_000,
  ...overrides,
});

/** The behaviour every voiceprint store shares; run it from each adapter's test file. */
export function describeVoiceprintStoreContract(name: string, setup: VoiceprintStoreFactory): void {
  describe(`voiceprint store contract: ${name}`, () => {
    it('gives back exactly the vector it was given, oldest first', async () => {
      const store = await setup();
      const vector = Float32Array.from([Math.PI, -0, -1.5e-30, 65_504.5, Number.MIN_VALUE]);
      await store.add(voiceprint({ id: 'v2', createdAt: 2_000, dimension: 5, vector }));
      await store.add(voiceprint({ id: 'v1', createdAt: 1_000 }));
      const listed = await store.list('u1');
      expect(listed.map((v) => v.id)).toEqual(['v1', 'v2']);
      expect(Array.from(listed[1]!.vector)).toEqual(Array.from(vector));
      expect(listed[1]).toMatchObject({ userId: 'u1', personId: null, label: 'wearer', dimension: 5 });
    });

    it('lists only the user’s voiceprints, of one model when asked', async () => {
      const store = await setup();
      await store.add(voiceprint({ id: 'a1' }));
      await store.add(voiceprint({ id: 'b1', model: 'model-b.onnx' }));
      await store.add(voiceprint({ id: 'p1', personId: 'p1', label: 'Ana', createdAt: 3_000 }));
      await store.add(voiceprint({ id: 'other', userId: 'u2' }));
      expect((await store.list('u1', 'model-a.onnx')).map((v) => v.id)).toEqual(['a1', 'p1']);
      expect((await store.list('u1', 'model-b.onnx')).map((v) => v.id)).toEqual(['b1']);
      expect((await store.list('u1')).map((v) => v.id)).toEqual(['a1', 'b1', 'p1']);
      expect((await store.list('u2')).map((v) => v.id)).toEqual(['other']);
      expect(await store.list('u1', 'model-c.onnx')).toEqual([]);
    });

    it('refuses a vector whose length is not its dimension, or that is not finite, and stores nothing', async () => {
      const store = await setup();
      await expect(store.add(voiceprint({ id: 'bad', dimension: 3 }))).rejects.toMatchObject({
        code: 'validation_failed',
      });
      await expect(
        store.add(voiceprint({ id: 'nan', vector: Float32Array.from([1, Number.NaN, 0, 0]) })),
      ).rejects.toMatchObject({ code: 'validation_failed' });
      await store.add(voiceprint({ id: 'same' }));
      await expect(store.add(voiceprint({ id: 'same' }))).rejects.toMatchObject({ code: 'already_exists' });
      expect((await store.list('u1')).map((v) => v.id)).toEqual(['same']);
    });

    it('removes one voiceprint of its user only', async () => {
      const store = await setup();
      await store.add(voiceprint({ id: 'mine' }));
      await store.add(voiceprint({ id: 'theirs', userId: 'u2' }));
      expect(await store.remove('u1', 'theirs')).toBe(false);
      expect(await store.remove('u1', 'mine')).toBe(true);
      expect(await store.remove('u1', 'mine')).toBe(false);
      expect(await store.list('u1')).toEqual([]);
      expect((await store.list('u2')).map((v) => v.id)).toEqual(['theirs']);
    });

    it('removes every voiceprint of one person, leaving the wearer’s', async () => {
      const store = await setup();
      await store.add(voiceprint({ id: 'wearer' }));
      await store.add(voiceprint({ id: 'ana-1', personId: 'p1', label: 'Ana' }));
      await store.add(voiceprint({ id: 'ana-2', personId: 'p1', label: 'Ana', model: 'model-b.onnx' }));
      expect(await store.removeForPerson('u2', 'p1')).toBe(0);
      expect(await store.removeForPerson('u1', 'p1')).toBe(2);
      expect((await store.list('u1')).map((v) => v.id)).toEqual(['wearer']);
      expect(await store.removeAll('u1')).toBe(1);
      expect(await store.list('u1')).toEqual([]);
    });
  });
}

/** What a voiceprint store in a database adds: the people registry's cascade and a check on stored bytes. */
export function describeDatabaseVoiceprintStoreContract(
  name: string,
  setup: DatabaseVoiceprintStoreFactory,
): void {
  describe(`voiceprint store in a database: ${name}`, () => {
    it('forgets a person’s voiceprints with the person (forget everything removes people)', async () => {
      const { people, store } = await setup();
      await people.add({
        id: 'p1',
        userId: 'u1',
        name: 'Ana',
        aliases: [],
        optedOut: true,
        createdAt: 0,
        updatedAt: 0,
      });
      await store.add(voiceprint({ id: 'ana', personId: 'p1', label: 'Ana' }));
      await store.add(voiceprint({ id: 'wearer' }));
      expect(await people.removeAll('u1')).toBe(1);
      expect((await store.list('u1')).map((v) => v.id)).toEqual(['wearer']);
    });

    it('refuses a voiceprint of a person who is not in the registry', async () => {
      const { store } = await setup();
      await expect(store.add(voiceprint({ id: 'ghost', personId: 'nobody' }))).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('reports a damaged row instead of matching against a wrong vector', async () => {
      const { store, damage } = await setup();
      await store.add(voiceprint({ id: 'v1' }));
      await damage('v1', new Uint8Array(7));
      await expect(store.list('u1')).rejects.toMatchObject({
        code: 'storage_failed',
        message: expect.stringContaining('voiceprint v1 is damaged'),
      });
    });
  });
}
