/** A running camera: a preview in the given video element, and JPEG frames taken from it on demand. */
export interface Camera {
  /** Draws the current picture on a canvas and encodes it as JPEG. */
  grabJpeg(options?: { quality?: number; maxWidth?: number }): Promise<Uint8Array>;
  stop(): void;
}

/**
 * Opens the camera (the rear one on phones, where there is one) and shows it in `video`. Rejects with the browser's
 * error when it cannot (see `describeMediaError`).
 */
export async function startCamera(video: HTMLVideoElement): Promise<Camera> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
    audio: false,
  });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  try {
    await video.play();
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    throw error;
  }
  const canvas = document.createElement('canvas');

  return {
    async grabJpeg({ quality = 0.75, maxWidth = 1280 } = {}) {
      const width = video.videoWidth;
      const height = video.videoHeight;
      if (width === 0 || height === 0) throw new Error('the camera has not shown a picture yet');
      const scale = Math.min(1, maxWidth / width);
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const context = canvas.getContext('2d');
      if (!context) throw new Error('this browser cannot draw the camera picture');
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
      if (!blob) throw new Error('the browser could not encode the frame as JPEG');
      return new Uint8Array(await blob.arrayBuffer());
    },
    stop() {
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    },
  };
}
