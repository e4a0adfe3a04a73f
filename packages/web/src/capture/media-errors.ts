/** Why a camera or microphone could not start, in words that say what to do; `kind` drives the view's state. */
export interface MediaProblem {
  kind: 'insecure' | 'unsupported' | 'denied' | 'missing' | 'busy' | 'other';
  message: string;
}

/** Explains a `getUserMedia` failure (or its absence) for the camera or the microphone. */
export function describeMediaError(error: unknown, what: 'camera' | 'microphone'): MediaProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        kind: 'denied',
        message: `The browser was not allowed to use the ${what}. Allow it in the site settings (the icon beside the address), then try again.`,
      };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return { kind: 'missing', message: `No ${what} was found on this device.` };
    case 'NotReadableError':
    case 'AbortError':
      return { kind: 'busy', message: `The ${what} is in use by another app, or the system blocked it.` };
    default:
      return {
        kind: 'other',
        message: `The ${what} could not start: ${error instanceof Error ? error.message : String(error)}`,
      };
  }
}

/** Says whether this page may use the camera and microphone at all, and why not when it may not. */
export function mediaAvailability(
  context: { isSecureContext: boolean; hasMediaDevices: boolean } = {
    isSecureContext: globalThis.isSecureContext === true,
    hasMediaDevices: typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia,
  },
): MediaProblem | null {
  if (!context.isSecureContext) {
    return {
      kind: 'insecure',
      message:
        'Browsers allow the camera and microphone only on secure pages (HTTPS, or localhost). Start the server with `familiar start --https` and open the https:// address it prints on this phone.',
    };
  }
  if (!context.hasMediaDevices)
    return { kind: 'unsupported', message: 'This browser cannot capture from a camera or microphone.' };
  return null;
}
