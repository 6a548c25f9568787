export * from './policy-change';
export { NOT_ANNOUNCED_DESCRIPTION, PolicyEvents } from './policy-events.service';
export { PolicyEventsModule } from './policy-events.module';
