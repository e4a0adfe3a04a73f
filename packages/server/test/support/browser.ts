import { existsSync, writeFileSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import sharp from 'sharp';

/** Debian's Chromium (`apt-get install chromium`); Playwright's own browser downloads are never used. */
export const CHROMIUM = process.env.FAMILIAR_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser the end-to-end tests drive is installed. */
export const hasChromium = existsSync(CHROMIUM);

/** What the fake camera and microphone play, when a test gives them. */
export interface FakeMedia {
  /** A `.y4m` file the fake camera loops. */
  video?: string;
  /** A `.wav` file the fake microphone loops. */
  audio?: string;
}

/**
 * Starts headless Chromium with the flags ENVIRONMENT.md lists for this machine, and a fake camera and microphone
 * that grant permission by themselves and play the given files.
 */
export function launchChromium(media: FakeMedia = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      ...(media.video ? [`--use-file-for-fake-video-capture=${media.video}`] : []),
      ...(media.audio ? [`--use-file-for-fake-audio-capture=${media.audio}`] : []),
    ],
  });
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Writes a `.y4m` video (4:2:0, `C420jpeg`) of a sign: dark lines of text on a light board, still for `frames`
 * frames at `fps`, for Chromium's fake camera. Rendered with sharp from SVG (DejaVu Sans), converted to YUV here.
 */
export async function writeSignVideo(
  path: string,
  lines: readonly string[],
  options: { width?: number; height?: number; frames?: number; fps?: number } = {},
): Promise<void> {
  const { width = 640, height = 480, frames = 10, fps = 5 } = options;
  const size = Math.floor(height / (lines.length + 2));
  // Bold DejaVu Sans capitals are about 0.72 em wide: every line fits with a margin.
  const longest = Math.max(...lines.map((line) => line.length), 1);
  const fontSize = Math.floor(Math.min(size * 0.6, (width * 0.85) / (longest * 0.72)));
  const text = lines
    .map(
      (line, index) =>
        `<text x="50%" y="${(index + 1.5) * size}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" font-weight="bold" text-anchor="middle" fill="#111">${escapeXml(line)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#f4f1e8"/>${text}</svg>`;
  const { data } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const y = Buffer.alloc(width * height);
  const u = Buffer.alloc((width / 2) * (height / 2));
  const v = Buffer.alloc((width / 2) * (height / 2));
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const at = (row * width + col) * 3;
      const [r, g, b] = [data[at]!, data[at + 1]!, data[at + 2]!];
      y[row * width + col] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      if (row % 2 === 0 && col % 2 === 0) {
        const half = (row / 2) * (width / 2) + col / 2;
        u[half] = Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
        v[half] = Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
      }
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
