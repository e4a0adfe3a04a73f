import type { Command } from 'commander';
import type { Familiar } from '../app.ts';
import type { Output } from './output.ts';

/** What a command module needs from `familiar`'s command tree: the store for one command, and the audit log. */
export interface CommandIo {
  /** Opens the store for one command and closes it afterwards. */
  withFamiliar<T>(command: Command, work: (familiar: Familiar, out: Output) => Promise<T>): Promise<T>;
  /** Records what the command did in the user's audit log. */
  audit(
    familiar: Familiar,
    userId: string,
    action: string,
    target: string | null,
    details?: Record<string, unknown> | null,
  ): Promise<void>;
}
