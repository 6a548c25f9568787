import { TopologyKind } from '../config/bench-config';

/**
 * Who talks to whom, by user index. Every user sends (round robin, so each sends rate/users
 * msg/s); `recipient` picks one of the sender's peers.
 */
export class Topology {
  private constructor(
    readonly peers: ReadonlyArray<readonly number[]>,
    private readonly random: () => number,
  ) {}

  /** pairs: 0<->1, 2<->3, ...; random: `degree` distinct peers per user, none the user itself. */
  static build(kind: TopologyKind, users: number, degree: number, random: () => number): Topology {
    if (kind === 'pairs') {
      if (users % 2 !== 0) throw new Error('pairs need an even number of users');
      return new Topology(Array.from({ length: users }, (_, i) => [i ^ 1]), random);
    }
    const d = Math.min(degree, users - 1);
    const peers = Array.from({ length: users }, (_, self) => {
      const chosen = new Set<number>();
      while (chosen.size < d) {
        const other = Math.floor(random() * users);
        if (other !== self) chosen.add(other);
      }
      return [...chosen];
    });
    return new Topology(peers, random);
  }

  /**
   * Each user with the `reach` users after it and the `reach` before it (mod users): users x reach
   * conversations of two, every user in 2 x reach of them (`--history`: 100 users, 1,000 conversations).
   */
  static circulant(users: number, reach: number, random: () => number): Topology {
    if (2 * reach >= users) throw new Error('a circulant graph needs more than 2 x reach users');
    const peers = Array.from({ length: users }, (_, self) =>
      Array.from({ length: 2 * reach }, (_, j) => (self + users + (j < reach ? j + 1 : reach - j - 1)) % users),
    );
    return new Topology(peers, random);
  }

  /** The conversations of two in the graph, each once (a < b). */
  conversations(): Array<[number, number]> {
    const seen: Array<[number, number]> = [];
    this.peers.forEach((list, a) => list.forEach((b) => a < b && seen.push([a, b])));
    return seen;
  }

  get users(): number {
    return this.peers.length;
  }

  sender(k: number): number {
    return k % this.peers.length;
  }

  recipient(sender: number): number {
    const list = this.peers[sender];
    return list.length === 1 ? list[0] : list[Math.floor(this.random() * list.length)];
  }
}
