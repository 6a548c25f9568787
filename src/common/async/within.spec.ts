import { within } from './within';

describe('within', () => {
  it('gives the outcome of a call that settles in time', async () => {
    await expect(within(Promise.resolve(7), 50, () => new Error('late'))).resolves.toBe(7);
    await expect(within(Promise.reject(new Error('no')), 50, () => new Error('late'))).rejects.toThrow('no');
  });

  it('throws the timeout error for a call that does not settle in time', async () => {
    await expect(within(new Promise(() => undefined), 20, () => new Error('late'))).rejects.toThrow('late');
  });
});
