import { readFile, stat } from 'node:fs/promises';
import { WavFormatError, wavToStreamAudio } from '@familiar/device-sdk';
import type { Command } from 'commander';
import { FamiliarError, toIso, ValidationError } from '../kernel/index.ts';
import { NO_SPEAKER_MODEL_STATUS, PERCEPTION_SAMPLE_RATE } from '../perception/index.ts';
import type { CommandIo } from './command-io.ts';
import { table } from './output.ts';

/** Longest enrolment recording accepted: a voiceprint needs seconds, not an hour. */
const MAX_ENROLL_SECONDS = 300;
/** Largest WAV file read for enrolment (5 min of 48 kHz 32-bit stereo fits). */
const MAX_ENROLL_FILE_BYTES = 256 * 1024 * 1024;

/** What the voice commands need from `familiar`'s command tree. */
export type VoiceCommandIo = CommandIo;

/** Reads a WAV file as 16 kHz mono samples; a file that is not usable WAV is a validation error naming it. */
async function readEnrollmentWav(path: string): Promise<Int16Array> {
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ValidationError(`${path} is not a file`);
    if (info.size > MAX_ENROLL_FILE_BYTES)
      throw new ValidationError(
        `${path} is too large for enrolment: record ${MAX_ENROLL_SECONDS / 60} minutes at most`,
      );
    bytes = await readFile(path);
  } catch (cause) {
    if (cause instanceof FamiliarError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw new FamiliarError(
      code === 'ENOENT' ? 'not_found' : 'validation_failed',
      code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read (${code ?? 'unknown error'})`,
      { cause },
    );
  }
  let pcm: Int16Array;
  try {
    pcm = wavToStreamAudio(bytes).pcm;
  } catch (cause) {
    if (cause instanceof WavFormatError) throw new ValidationError(`${path}: ${cause.message}`);
    throw cause;
  }
  if (pcm.length > MAX_ENROLL_SECONDS * PERCEPTION_SAMPLE_RATE)
    throw new ValidationError(
      `${path} is ${Math.round(pcm.length / PERCEPTION_SAMPLE_RATE)} s long; enrol with ${MAX_ENROLL_SECONDS} s at most (10–30 s of the speaker alone is plenty)`,
    );
  return pcm;
}

/** `familiar voice enroll|list|remove`: the voices speaker identification knows. */
export function registerVoiceCommands(program: Command, io: VoiceCommandIo): void {
  const voice = program
    .command('voice')
    .description(
      'voices for speaker identification (needs FAMILIAR_SPEAKER_MODEL; voices are never guessed)',
    );

  voice
    .command('enroll <file>')
    .description(
      'learn a voice from a .wav of at least 3 s of one speaker alone: yours, or --person from `familiar people`',
    )
    .option(
      '--person <name>',
      'whose voice it is (a person added with `familiar people add`); default: yours',
    )
    .option('--user <name>', 'whose voiceprints (default: the only user)')
    .action(async (file: string, options: { person?: string; user?: string }, command: Command) =>
      io.withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        if (familiar.speakers.model === null)
          throw new FamiliarError(
            'validation_failed',
            'voice enrolment needs a speaker-embedding model: set FAMILIAR_SPEAKER_MODEL to a sherpa-onnx speaker-embedding .onnx (a 3D-Speaker, WeSpeaker or NeMo export)',
          );
        const samples = await readEnrollmentWav(file);
        const voiceprint = await familiar.speakers.enroll(owner.id, {
          samples,
          ...(options.person === undefined ? {} : { personName: options.person }),
        });
        const seconds = Math.round((samples.length / PERCEPTION_SAMPLE_RATE) * 10) / 10;
        await io.audit(familiar, owner.id, 'voice.enroll', voiceprint.id, {
          personId: voiceprint.personId,
          model: voiceprint.model,
          seconds,
        });
        const whose = voiceprint.personId === null ? 'your voice' : `${voiceprint.label}'s voice`;
        out.result(
          {
            id: voiceprint.id,
            label: voiceprint.label,
            personId: voiceprint.personId,
            model: voiceprint.model,
            dimension: voiceprint.dimension,
            seconds,
          },
          `Enrolled ${whose} (${seconds} s, ${voiceprint.model}): speech that sounds like it is now labelled "${voiceprint.label}".`,
        );
      }),
    );

  voice
    .command('list')
    .description('list enrolled voices (never the vectors)')
    .option('--user <name>', 'whose voiceprints (default: the only user)')
    .action(async (options: { user?: string }, command: Command) =>
      io.withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        const voiceprints = await familiar.speakers.list(owner.id);
        await io.audit(familiar, owner.id, 'voice.list', null, { count: voiceprints.length });
        const model = familiar.speakers.model;
        if (model === null) out.info(`Speakers: ${NO_SPEAKER_MODEL_STATUS}.`);
        const rows = voiceprints.map((v) => ({
          id: v.id,
          label: v.label,
          personId: v.personId,
          model: v.model,
          dimension: v.dimension,
          enrolledAt: toIso(v.createdAt),
          active: v.model === model,
        }));
        out.result(
          rows,
          rows.length === 0
            ? 'No voices enrolled: enrol yours with `familiar voice enroll <file.wav>`.'
            : table(
                ['ID', 'VOICE', 'MODEL', 'ENROLLED', 'IN USE'],
                rows.map((r) => [
                  r.id,
                  r.label,
                  r.model,
                  r.enrolledAt,
                  r.active ? 'yes' : 'no (another model)',
                ]),
              ),
        );
      }),
    );

  voice
    .command('remove <id>')
    .description('forget an enrolled voice (its id is in `familiar voice list`)')
    .option('--user <name>', 'whose voiceprints (default: the only user)')
    .action(async (id: string, options: { user?: string }, command: Command) =>
      io.withFamiliar(command, async (familiar, out) => {
        const owner = await familiar.accounts.resolveUser(options.user);
        await familiar.speakers.remove(owner.id, id);
        await io.audit(familiar, owner.id, 'voice.remove', id);
        out.result({ id, removed: true }, `Removed voiceprint ${id}.`);
      }),
    );
}
