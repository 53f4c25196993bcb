import { applyDecorators, Catch, Controller, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext } from '@nestjs/microservices';
import { PATTERN_EXTRAS_METADATA, PATTERN_HANDLER_METADATA } from '@nestjs/microservices/constants';
import { throwError, type Observable } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { InboxConsumerOptions } from '../inbox-consumer';

/**
 * What a `@KafkaConsumer` controller declares about its group: its short `groupId` (the inbox key;
 * `InboxTransport` puts the environment's prefix in front for Kafka), its `topics`, and optionally
 * the `InboxConsumer` tuning (retries, backoff, concurrency). Its handlers are its `@EventPattern`
 * methods.
 */
export type KafkaConsumerOptions = Omit<
  InboxConsumerOptions,
  'kafka' | 'dataSource' | 'groupPrefix' | 'handlers' | 'logger'
>;

/** The `@KafkaConsumer` a handler was declared under, as `InboxTransport` finds it in the handler's extras. */
export interface KafkaConsumerDeclaration {
  /** The controller's class name, for error messages. */
  consumer: string;
  options: KafkaConsumerOptions;
}

/** The key of the declaration in the `@EventPattern` extras. */
export const KAFKA_CONSUMER_EXTRA = 'remitKafkaConsumer';

/**
 * `@Ctx()` of an `@EventPattern` handler: the `EntityManager` of the transaction that records the
 * event in the inbox. The handler does all its work through it, so the effect and the inbox row
 * commit together or not at all (ADR 0001).
 */
export class InboxContext extends BaseRpcContext<[manager: EntityManager]> {
  get manager(): EntityManager {
    return this.args[0];
  }
}

/**
 * Hands a handler's error back to `InboxTransport` unchanged. Nest's default RPC filter would log it
 * and replace it with `{status: 'error', message: 'Internal server error'}`, and the InboxConsumer
 * decides on the error itself: transient (retry as long as it lasts), poison (`retryable: false`,
 * dead-letter at once) or unknown (retry, then dead-letter).
 */
@Catch()
class InboxErrorPassThrough implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Makes a class a Kafka consumer controller: one consumer group, whose handlers are the class's
 * `@EventPattern<EventType>('<event type>')` methods, each taking `@Payload() event: CloudEvent<…>`
 * and `@Ctx() { manager }: InboxContext`. List it in the module's `controllers`; `InboxTransport`
 * runs one `InboxConsumer` per group. The `<EventType>` argument checks the pattern against the
 * contracts at compile time, and selects Nest 12's untyped `EventPattern` overload: the typed one
 * accepts no typed `@Ctx()` parameter.
 *
 * The group goes into each handler's `@EventPattern` extras (class decorators run after method
 * decorators), since a Nest transport sees handlers, not classes. Includes `@Controller()`.
 */
export function KafkaConsumer(options: KafkaConsumerOptions): ClassDecorator {
  const stampHandlers: ClassDecorator = (target) => {
    const declaration: KafkaConsumerDeclaration = { consumer: target.name, options };
    const prototype = target.prototype as object;
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const method: unknown = Object.getOwnPropertyDescriptor(prototype, key)?.value;
      if (typeof method !== 'function') continue;
      if (Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) === undefined) continue;
      const extras = Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method) as object | undefined;
      Reflect.defineMetadata(
        PATTERN_EXTRAS_METADATA,
        { ...extras, [KAFKA_CONSUMER_EXTRA]: declaration },
        method,
      );
    }
  };
  return applyDecorators(Controller(), UseFilters(new InboxErrorPassThrough()), stampHandlers);
}
