import { seededRandom } from './random';
import { Topology } from './topology';

describe('Topology', () => {
  it('pairs users 0<->1, 2<->3', () => {
    const t = Topology.build('pairs', 4, 5, seededRandom(1));
    expect(t.peers).toEqual([[1], [0], [3], [2]]);
    expect([0, 1, 2, 3].map((s) => t.recipient(s))).toEqual([1, 0, 3, 2]);
  });

  it('builds a circulant graph: each user with the `reach` users on either side, every conversation once', () => {
    const t = Topology.circulant(100, 10, seededRandom(1));
    expect([...t.peers[0]].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    const conversations = t.conversations();
    expect(conversations).toHaveLength(1000);
    expect(new Set(conversations.map(([a, b]) => `${a}|${b}`)).size).toBe(1000);
    t.peers.forEach((peers, self) => peers.forEach((p) => expect(t.peers[p]).toContain(self)));
    expect(() => Topology.circulant(10, 5, seededRandom(1))).toThrow(/more than 2 x reach/);
  });

  it('gives every user of a random graph `degree` distinct peers other than itself', () => {
    const t = Topology.build('random', 50, 5, seededRandom(7));
    t.peers.forEach((peers, self) => {
      expect(new Set(peers).size).toBe(5);
      expect(peers).not.toContain(self);
      for (const p of peers) expect(p).toBeLessThan(50);
    });
  });

  it('builds the same graph from the same seed, another from another seed', () => {
    const a = Topology.build('random', 30, 3, seededRandom(1)).peers;
    expect(Topology.build('random', 30, 3, seededRandom(1)).peers).toEqual(a);
    expect(Topology.build('random', 30, 3, seededRandom(2)).peers).not.toEqual(a);
  });

  it('caps the degree at users - 1', () => {
    expect(Topology.build('random', 3, 10, seededRandom(1)).peers.every((p) => p.length === 2)).toBe(true);
  });

  it('sends from every user in turn', () => {
    const t = Topology.build('pairs', 4, 1, seededRandom(1));
    expect([0, 1, 2, 3, 4, 5].map((k) => t.sender(k))).toEqual([0, 1, 2, 3, 0, 1]);
  });
});
