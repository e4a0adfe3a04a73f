/** Whether this browser can read answers aloud. */
export function canSpeak(): boolean {
  return typeof window !== 'undefined' && 'speechSynthesis' in window;
}

/** Reads an answer aloud with the browser's speech synthesis, without its citation marks ("[1]"). */
export function speak(text: string): void {
  if (!canSpeak()) return;
  const words = text.replace(/\s*\[\d+(?:,\s*\d+)*\]/g, '').trim();
  if (!words) return;
  window.speechSynthesis.cancel();
  window.speechSynthesis.speak(new SpeechSynthesisUtterance(words));
}

/** Stops reading aloud. */
export function stopSpeaking(): void {
  if (canSpeak()) window.speechSynthesis.cancel();
}
