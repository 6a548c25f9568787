import { Injectable } from '@nestjs/common';
import { RejectionCode } from '@app/protocol';
import { AppConfig } from '../config';
import { RateLimiter } from './rate-limiter';

export interface PolicyRefusal {
  code: RejectionCode;
  reason: string;
}

/**
 * Decides whether a sender may send a message to a recipient. Everything it consults is held in
 * memory: nothing on this path reads the database per message.
 */
@Injectable()
export class PolicyService {
  private readonly rateLimiter: RateLimiter;

  constructor(private readonly config: AppConfig) {
    this.rateLimiter = new RateLimiter(config.pipeline.rateLimitPerSecond, config.pipeline.rateLimitBurst);
  }

  async checkMessage(sender: string, recipient: string): Promise<PolicyRefusal | null> {
    if (!this.rateLimiter.take(sender)) {
      return {
        code: RejectionCode.RATE_LIMITED,
        reason: `more than ${this.config.pipeline.rateLimitPerSecond} messages per second`,
      };
    }
    void recipient;
    return null;
  }
}
