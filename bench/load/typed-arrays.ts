type TypedArray = Int32Array | Float64Array | Uint8Array;

/** A copy of a tracker's array, `factor` times as long (the rest zero): trackers double their capacity. */
export function grown<T extends TypedArray>(old: T, factor = 2): T {
  const next = new (old.constructor as new (length: number) => T)(old.length * factor);
  next.set(old);
  return next;
}
