import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Familiar } from '../app.ts';
import { FamiliarError, ValidationError } from '../kernel/index.ts';
import { decodeFrame, FACE_DESCRIPTOR_MODEL } from '../perception/index.ts';
import type { Output } from './output.ts';

/** Adds `people enroll` and `people forget-face` (face descriptors, stored only with the person's consent). */
export function registerFaceCommands(
  people: Command,
  deps: {
    withFamiliar: <T>(command: Command, work: (familiar: Familiar, out: Output) => Promise<T>) => Promise<T>;
  },
): void {
  people
    .command('enroll <name> <photos...>')
    .description(
      'let Familiar recognise a person who agreed to it: stores face descriptors (numbers), never the photos',
    )
    .option('--user <name>', 'whose contact (default: the only user)')
    .action(async (name: string, photos: string[], options: { user?: string }, command: Command) =>
      deps.withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const person = await familiar.people.find(owner.id, name);
        if (!person)
          throw new FamiliarError(
            'not_found',
            `no person named "${name}": add them with \`familiar people add "${name}"\``,
          );
        if (person.optedOut)
          throw new ValidationError(
            `${person.name} opted out of being remembered: their face is not enrolled (\`familiar people opt-in "${name}"\` first, with their agreement)`,
          );
        const descriptors: Float32Array[] = [];
        for (const photo of photos) {
          let bytes: Uint8Array;
          try {
            bytes = readFileSync(photo);
          } catch {
            throw new ValidationError(`${photo} does not exist or cannot be read`);
          }
          const frame = await decodeFrame(bytes);
          const tags = await familiar.frameTagger.tag(frame, { descriptors: true });
          if (tags.faces.length !== 1 || !tags.faces[0]!.descriptor) {
            throw new ValidationError(
              `${photo} shows ${tags.faces.length} faces: use photos with exactly one face, the person's; nothing was enrolled`,
            );
          }
          descriptors.push(tags.faces[0]!.descriptor);
        }
        const now = familiar.clock.now();
        for (const descriptor of descriptors) {
          await familiar.voiceprints.add({
            id: familiar.newId(),
            userId: owner.id,
            personId: person.id,
            label: person.name,
            model: FACE_DESCRIPTOR_MODEL,
            dimension: descriptor.length,
            vector: descriptor,
            createdAt: now,
          });
        }
        await familiar.audit.record({
          userId: owner.id,
          at: now,
          actor: 'cli',
          action: 'people.face.enroll',
          target: person.id,
          details: { photos: photos.length },
        });
        out.result(
          { person: person.name, faces: descriptors.length },
          `Enrolled ${descriptors.length} face${descriptors.length === 1 ? '' : 's'} of ${person.name}.`,
        );
      }),
    );

  people
    .command('forget-face <name>')
    .description('remove the face descriptors of a person, so they are no longer recognised')
    .option('--user <name>', 'whose contact (default: the only user)')
    .action(async (name: string, options: { user?: string }, command: Command) =>
      deps.withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const person = await familiar.people.find(owner.id, name);
        if (!person) throw new FamiliarError('not_found', `no person named "${name}"`);
        const faces = (await familiar.voiceprints.list(owner.id, FACE_DESCRIPTOR_MODEL)).filter(
          (v) => v.personId === person.id,
        );
        for (const face of faces) await familiar.voiceprints.remove(owner.id, face.id);
        await familiar.audit.record({
          userId: owner.id,
          at: familiar.clock.now(),
          actor: 'cli',
          action: 'people.face.forget',
          target: person.id,
          details: { faces: faces.length },
        });
        out.result(
          { person: person.name, removed: faces.length },
          `Removed ${faces.length} face descriptors of ${person.name}.`,
        );
      }),
    );
}
