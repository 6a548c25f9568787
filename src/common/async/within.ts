/**
 * The call's outcome, or `timedOut()` thrown when it has not settled within `ms`: a caller waiting on
 * the broker or the database must answer even when they do not. The call itself goes on; its late
 * outcome is ignored.
 */
export function within<T>(call: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  call.catch(() => undefined);
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}
