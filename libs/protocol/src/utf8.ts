const encoder = new TextEncoder();

/**
 * Bytes of a text in UTF-8. Node's Buffer.byteLength where there is one (it counts without a
 * copy, on the engine's hot path); a TextEncoder in browsers, where the client SDK runs too. Both
 * count a lone surrogate as the 3 bytes of U+FFFD it is encoded as.
 */
export function utf8Length(text: string): number {
  return typeof Buffer === 'undefined' ? encoder.encode(text).length : Buffer.byteLength(text);
}
