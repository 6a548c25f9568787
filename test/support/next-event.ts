/** For the SDK's e2e specs: resolves with the first event that passes the filter, or fails after timeoutMs. */
export function nextEvent<T>(subscribe: (listener: (value: T) => void) => void, filter: (value: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms`)), timeoutMs);
    subscribe((value) => {
      if (!filter(value)) return;
      clearTimeout(timer);
      resolve(value);
    });
  });
}
