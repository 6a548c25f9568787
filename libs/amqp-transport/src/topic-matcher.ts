/**
 * AMQP topic-exchange matching: words are separated by `.`, `*` matches exactly one word and `#`
 * matches zero or more words.
 */
export class TopicMatcher {
  private readonly words: string[];

  constructor(readonly pattern: string) {
    this.words = pattern.split('.');
  }

  matches(routingKey: string): boolean {
    return match(this.words, 0, routingKey.split('.'), 0);
  }
}

function match(p: string[], i: number, k: string[], j: number): boolean {
  while (i < p.length) {
    const word = p[i];
    if (word === '#') {
      if (i === p.length - 1) return true;
      for (let skip = j; skip <= k.length; skip++) if (match(p, i + 1, k, skip)) return true;
      return false;
    }
    if (j >= k.length || (word !== '*' && word !== k[j])) return false;
    i++;
    j++;
  }
  return j === k.length;
}

/** Replaces `{name}` placeholders in a pattern with values (e.g. a configured topic prefix). */
export function expandPattern(pattern: string, variables: Record<string, string>): string {
  return pattern.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    if (!(name in variables)) throw new Error(`pattern "${pattern}" uses unknown variable {${name}}`);
    return variables[name];
  });
}
