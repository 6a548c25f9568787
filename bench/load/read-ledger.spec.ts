import { ReadLedger } from './read-ledger';

describe('ReadLedger', () => {
  it('keeps the highest id received per reader and peer, whatever the order of arrival', () => {
    const ledger = new ReadLedger();
    ledger.received('a', 'b', '01B');
    ledger.received('a', 'b', '01C');
    ledger.received('a', 'b', '01A');
    ledger.received('b', 'a', '01D');
    ledger.received('a', 'c', '01E');
    expect(ledger.expected()).toEqual([
      { reader: 'a', peer: 'b', readUpTo: '01C' },
      { reader: 'b', peer: 'a', readUpTo: '01D' },
      { reader: 'a', peer: 'c', readUpTo: '01E' },
    ]);
  });

  it('counts markRead calls until they settle, and the failed ones', async () => {
    const ledger = new ReadLedger();
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    ledger.track(new Promise<void>((r) => (resolve = r)));
    ledger.track(new Promise<void>((_r, j) => (reject = j)));
    expect(ledger.pending).toBe(2);
    resolve();
    reject(new Error('closed'));
    await new Promise((r) => setImmediate(r));
    expect(ledger.pending).toBe(0);
    expect(ledger.failed).toBe(1);
  });

  it('counts the engine refusals by code', () => {
    const ledger = new ReadLedger();
    ledger.refusal('MESSAGE_NOT_FOUND');
    ledger.refusal('MESSAGE_NOT_FOUND');
    ledger.refusal('RATE_LIMITED');
    expect(ledger.refused).toEqual({ MESSAGE_NOT_FOUND: 2, RATE_LIMITED: 1 });
  });
});
