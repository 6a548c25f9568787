import { reconnectDelay } from './backoff';

describe('reconnectDelay', () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1000 };

  it('doubles per attempt between half and all of the ceiling', () => {
    expect(reconnectDelay(1, options, () => 0)).toBe(50);
    expect(reconnectDelay(1, options, () => 1)).toBe(100);
    expect(reconnectDelay(3, options, () => 0)).toBe(200);
    expect(reconnectDelay(3, options, () => 1)).toBe(400);
  });

  it('never exceeds maxDelayMs', () => {
    expect(reconnectDelay(50, options, () => 1)).toBe(1000);
  });
});
