import type { Connection } from './use-device-stream.ts';

/** What the indicator says: always one of these, so the person knows at a glance what is being captured. */
export type IndicatorState = 'offline' | 'paused' | 'both' | 'camera' | 'mic' | 'off';

/** Decides the indicator's state; being offline or paused outranks what is switched on. */
export function indicatorState(input: {
  connection: Connection['kind'];
  paused: boolean;
  camera: boolean;
  mic: boolean;
}): IndicatorState {
  if (input.paused) return 'paused';
  if (input.connection !== 'online') return 'offline';
  if (input.camera && input.mic) return 'both';
  if (input.camera) return 'camera';
  if (input.mic) return 'mic';
  return 'off';
}

const LABELS: Record<IndicatorState, string> = {
  both: 'Camera and microphone on',
  camera: 'Camera on',
  mic: 'Microphone on',
  paused: 'Paused: nothing is captured',
  offline: 'Offline',
  off: 'Nothing is captured',
};

/** The always-visible capture indicator at the top of device mode. */
export function CaptureIndicator({ state, detail }: { state: IndicatorState; detail?: string | undefined }) {
  return (
    <output class={`indicator indicator-${state}`} aria-live="polite">
      <span class="indicator-dot" aria-hidden="true" />
      <strong>{LABELS[state]}</strong>
      {detail && <span class="indicator-detail"> · {detail}</span>}
    </output>
  );
}
