import { AmqpServer, DeadLetterObserver } from '@app/amqp-transport';
import { DeadLetterMetrics, droppedCodeLabel } from './dead-letter.metrics';
import { MetricsService } from './metrics.service';

describe('DeadLetterMetrics', () => {
  it('counts confirmed moves and drops by code, and shows whether the cap is in place', async () => {
    let observer: DeadLetterObserver = {};
    const server = { observeDeadLetters: (o: DeadLetterObserver) => (observer = o) } as unknown as AmqpServer;
    const metrics = new MetricsService();
    new DeadLetterMetrics(server, metrics).onModuleInit();

    observer.onDeadLetter!({ code: 'INVALID_PAYLOAD', reason: 'x', routingKey: 'k', origin: 'handler' });
    observer.onDeadLetterDropped!({ code: 'INVALID_TOPIC' });
    observer.onDeadLetterDropped!({ code: 'free text from a header!' });
    observer.onDeadLetterQueueDeclared!('kept');

    const values = async (name: string) =>
      Object.fromEntries((await metrics.registry.getSingleMetric(name)!.get()).values.map((v) => [String(v.labels.code ?? ''), v.value]));
    expect(await values('engine_messages_dead_lettered_total')).toEqual({ INVALID_PAYLOAD: 1 });
    expect(await values('engine_dead_letters_dropped_total')).toEqual({ INVALID_TOPIC: 1, unknown: 1 });
    expect(await values('engine_dead_letter_queue_capped')).toEqual({ '': 0 });
  });

  it('labels only what looks like a code', () => {
    expect(droppedCodeLabel('BLOCKED')).toBe('BLOCKED');
    expect(droppedCodeLabel(null)).toBe('unknown');
    expect(droppedCodeLabel('a b')).toBe('unknown');
  });
});
