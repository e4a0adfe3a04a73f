import { z } from 'zod';

const STORAGE_KEY = 'familiar.device';

/** What this browser keeps after pairing: the device token (its credential) and whose device it is. */
const PairedDeviceSchema = z.object({
  token: z.string().min(1),
  deviceName: z.string(),
  userName: z.string(),
  pairedAt: z.string(),
});
export type PairedDevice = z.infer<typeof PairedDeviceSchema>;

/** Reads the paired device from localStorage; null when there is none or what is stored is damaged. */
export function loadPairedDevice(storage: Pick<Storage, 'getItem'> = localStorage): PairedDevice | null {
  const raw = storage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const parsed = PairedDeviceSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Keeps the paired device in localStorage (the token is this device's credential, like a key). */
export function savePairedDevice(
  device: PairedDevice,
  storage: Pick<Storage, 'setItem'> = localStorage,
): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(device));
}

/** Forgets the pairing (the token stays valid on the server until `familiar device revoke`). */
export function forgetPairedDevice(storage: Pick<Storage, 'removeItem'> = localStorage): void {
  storage.removeItem(STORAGE_KEY);
}
