import { Module } from '@nestjs/common';
import { PolicyEvents } from './policy-events.service';

/** Announces user and block changes between engine instances (the broker module is global). */
@Module({ providers: [PolicyEvents], exports: [PolicyEvents] })
export class PolicyEventsModule {}
