import sharp from 'sharp';
import { ValidationError } from '../../kernel/index.ts';
import type { DecodedFrame } from '../ports.ts';

/** Image formats a frame may arrive in, told apart by their first bytes. */
export type FrameImageFormat = 'jpeg' | 'png' | 'webp' | 'heif';

/** Options of `decodeFrame`. */
export interface DecodeFrameOptions {
  /** The longest side of the decoded frame; larger images are scaled down, smaller ones are never enlarged. */
  maxSide?: number;
  /** Images with more pixels than this are refused from their header, before any pixel is decoded. */
  maxInputPixels?: number;
}

/** ISO-BMFF brands of still images (HEIC, HEIF, AVIF); video brands (isom, mp42, qt) are not among them. */
const IMAGE_BRANDS = new Set([
  'avif',
  'avis',
  'heic',
  'heix',
  'heim',
  'heis',
  'hevc',
  'hevx',
  'mif1',
  'msf1',
]);

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.byteLength)));
}

/** Tells a frame's image format from its magic bytes; null for anything else (the bytes are not trusted). */
export function sniffImageFormat(bytes: Uint8Array): FrameImageFormat | null {
  if (bytes.byteLength >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.byteLength >= 8 &&
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((byte, index) => bytes[index] === byte)
  ) {
    return 'png';
  }
  if (bytes.byteLength >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    return 'webp';
  if (bytes.byteLength >= 12 && ascii(bytes, 4, 8) === 'ftyp' && IMAGE_BRANDS.has(ascii(bytes, 8, 12))) {
    return 'heif';
  }
  return null;
}

/** Says in words what bytes that are not an accepted image look like, for the error message. */
function describeBytes(bytes: Uint8Array): string {
  const head = ascii(bytes, 0, 16);
  if (head.startsWith('%PDF')) return 'a PDF document';
  if (head.startsWith('GIF8')) return 'a GIF image';
  if (head.startsWith('II*\0') || head.startsWith('MM\0*')) return 'a TIFF image';
  if (head.startsWith('BM')) return 'a BMP image';
  if (head.startsWith('PK\x03\x04')) return 'a ZIP archive (or an Office document)';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WAVE') return 'WAV audio';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'AVI ') return 'an AVI video';
  if (head.startsWith('ID3') || head.startsWith('OggS') || head.startsWith('fLaC')) return 'audio';
  if (head.slice(4, 8) === 'ftyp') return `an MP4/QuickTime-family file (brand "${head.slice(8, 12)}")`;
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    return 'a Matroska/WebM video';
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64));
  if (/^\s*</.test(text)) return /<svg/i.test(text) ? 'an SVG drawing' : 'HTML or XML text';
  if (/^[\t\n\r\x20-\x7e]{8,}$/.test(text.slice(0, 32))) return `text starting "${text.slice(0, 24).trim()}"`;
  const hex = Array.from(bytes.subarray(0, 8), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return `unknown bytes (${hex})`;
}

function megapixels(pixels: number): string {
  return `${(pixels / 1_000_000).toFixed(1)} megapixels`;
}

/** Turns a sharp failure into a message that says the image is damaged, keeping libvips' last (most telling) line. */
function corruptImage(format: FrameImageFormat, cause: unknown): ValidationError {
  const lines = (cause instanceof Error ? cause.message : String(cause))
    .split('\n')
    .filter((line) => line.trim());
  const reason = (lines.at(-1) ?? 'unknown error').trim().slice(0, 300);
  return new ValidationError(`this ${format.toUpperCase()} image is damaged or truncated: ${reason}`, {
    format,
    reason,
  });
}

/**
 * Decodes an untrusted JPEG, PNG, WebP or AVIF image into a perception frame: turned upright by its EXIF
 * orientation, transparency flattened onto white, scaled so its long side is at most `maxSide` (never enlarged),
 * packed 8-bit RGB. Refuses with `validation_failed` empty input, other formats (saying what the bytes look like),
 * damaged or truncated images, and images over `maxInputPixels` (read from the header, nothing decoded).
 */
export async function decodeFrame(
  bytes: Uint8Array,
  { maxSide = 1280, maxInputPixels = 40_000_000 }: DecodeFrameOptions = {},
): Promise<DecodedFrame> {
  if (bytes.byteLength === 0) throw new ValidationError('the image is empty (zero bytes)');
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new ValidationError(
      `this is not a JPEG, PNG, WebP or AVIF image: its bytes look like ${describeBytes(bytes)}`,
    );
  }
  let width: number;
  let height: number;
  let compression: string | undefined;
  try {
    // The header alone: sharp's own pixel limit would give no size in its message, so it is checked here.
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    width = metadata.width;
    height = metadata.height;
    compression = metadata.compression;
  } catch (error) {
    throw corruptImage(format, error);
  }
  if (compression === 'hevc') {
    throw new ValidationError(
      'this is a HEIC image (HEVC-coded), which this server cannot decode (its sharp has no HEVC decoder): ' +
        'send JPEG, PNG, WebP or AVIF',
    );
  }
  if (!(width > 0 && height > 0)) throw corruptImage(format, new Error('no image size in its header'));
  if (width * height > maxInputPixels) {
    throw new ValidationError(
      `the image is ${width}×${height} (${megapixels(width * height)}), more than the ` +
        `${megapixels(maxInputPixels)} accepted: send a smaller image`,
      { width, height, maxInputPixels },
    );
  }
  try {
    const { data, info } = await sharp(bytes, {
      autoOrient: true,
      // Errors and truncation in the pixel data are refused; decoder warnings alone are not (sharp's levels).
      failOn: 'error',
      limitInputPixels: maxInputPixels,
    })
      .flatten({ background: '#ffffff' })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
    return {
      width: info.width,
      height: info.height,
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    throw corruptImage(format, error);
  }
}

/** Encodes a decoded frame as a baseline JPEG (for storing processed frames). */
export async function encodeJpeg(frame: DecodedFrame, quality = 85): Promise<Uint8Array> {
  if (frame.rgb.byteLength !== frame.width * frame.height * 3) {
    throw new ValidationError(
      `the frame holds ${frame.rgb.byteLength} bytes, not ${frame.width}×${frame.height}×3 RGB bytes`,
    );
  }
  const jpeg = await sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
}
