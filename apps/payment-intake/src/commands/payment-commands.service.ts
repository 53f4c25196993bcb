import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ContractViolation,
  commandDataSchemas,
  parseCommand,
  peekCommand,
  type EventData,
} from '@remit/contracts';
import { Outbox } from '@remit/messaging';
import {
  AppError,
  REMIT_CONFIG,
  parseWith,
  toErrorResponse,
  tokenPolicyOf,
  verifyToken,
  type RemitConfig,
} from '@remit/platform';
import { CancelPaymentService } from '../payments/cancel-payment.service';
import { SubmitPaymentService } from '../payments/submit-payment.service';

type Accepted = EventData<'payment-command.accepted'>;
type Rejected = EventData<'payment-command.rejected'>;

/** A message of payments.commands.v1 as the consumer hands it over. */
export interface CommandMessage {
  value: Buffer | null;
  /** `Bearer <JWT>` from the Kafka header `authorization`. */
  authorization: string | undefined;
}

type Answer =
  | { kind: 'accepted'; data: Accepted; customerId: string }
  | { kind: 'rejected'; data: Rejected; customerId: string };
export type CommandOutcome = Answer | { kind: 'unanswerable'; reason: string };

/** Thrown when a command meets an outage or a bug: the consumer does not commit it and it comes again. */
export class CommandRetryRequired extends Error {
  constructor(cause: unknown) {
    super('the command could not be run now; it will be delivered again', { cause });
    this.name = 'CommandRetryRequired';
  }
}

/**
 * Runs `payments.commands.v1` commands through the same use cases as HTTP (SubmitPayment →
 * SubmitPaymentService with the command id as idempotency key, CancelPayment → CancelPaymentService)
 * after verifying the bearer token exactly as HTTP does, and answers each with a result event on
 * `payments.command-results.v1` (through the outbox). A duplicate command replays the stored response,
 * so it gets the same result again and changes nothing.
 */
@Injectable()
export class PaymentCommandsService {
  private readonly logger = new Logger(PaymentCommandsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly submitPayment: SubmitPaymentService,
    private readonly cancelPayment: CancelPaymentService,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  async handle(message: CommandMessage): Promise<CommandOutcome> {
    let json: unknown;
    try {
      json = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      // Never quote the value: it may carry what must not be logged.
      this.logger.error('a payments command is not JSON; it cannot be answered');
      return { kind: 'unanswerable', reason: 'not JSON' };
    }
    const peeked = peekCommand(json);
    if (!peeked.id) {
      this.logger.error('a payments command has no id; it cannot be answered');
      return { kind: 'unanswerable', reason: 'no command id' };
    }
    const commandId = peeked.id;
    const commandType = peeked.type ?? 'unknown';
    let outcome: Answer;
    try {
      const command = parseCommand(json);
      const principal = verifyToken(message.authorization, tokenPolicyOf(this.config));
      if (command.type === 'SubmitPayment') {
        refuseClearBankAccount(command.data);
        const result = await this.submitPayment.submit(principal, command.id, command.data);
        outcome = this.accepted(commandId, commandType, result.status, result.body);
      } else {
        const { paymentId } = parseWith(commandDataSchemas.CancelPayment, command.data);
        const payment = await this.cancelPayment.cancel(principal, paymentId);
        outcome = this.accepted(commandId, commandType, 200, payment);
      }
    } catch (error) {
      const response = toErrorResponse(asAppError(error));
      if (response.unexpected || response.outage) throw new CommandRetryRequired(error);
      outcome = {
        kind: 'rejected',
        customerId: peeked.customerId ?? 'unknown',
        data: { commandId, commandType, status: response.status, error: response.body.error },
      };
    }
    const answer = outcome;
    await this.dataSource.transaction(async (manager) => {
      const common = { customerId: answer.customerId, subject: commandId, correlationId: commandId };
      if (answer.kind === 'accepted') {
        await this.outbox.add(manager, { ...common, type: 'payment-command.accepted', data: answer.data });
      } else {
        await this.outbox.add(manager, { ...common, type: 'payment-command.rejected', data: answer.data });
      }
    });
    this.logger.log(
      `command ${commandId} (${commandType}) ${outcome.kind}${outcome.kind === 'rejected' ? `: ${outcome.data.error.code}` : ''}`,
    );
    return outcome;
  }

  private accepted(
    commandId: string,
    commandType: string,
    status: number,
    payment: Accepted['payment'],
  ): Answer {
    return {
      kind: 'accepted',
      customerId: payment.customerId,
      data: { commandId, commandType, status, payment },
    };
  }
}

/** A command that is not one: the same 400 and field-named details as an invalid HTTP body. */
function asAppError(error: unknown): unknown {
  if (!(error instanceof ContractViolation)) return error;
  return AppError.validation(
    error.issues.map((issue) => ({ field: issue.path, code: 'invalid', message: issue.message })),
    'the command is not valid',
  );
}

/**
 * No topic ever holds a full account number (docs/architecture.md, "Money and data"): a new bank
 * account is given over HTTPS (`POST /v1/payments` or `/payment-methods`); a command pays with a saved
 * method (`saved`), a card token, a check or a wire. The account number in a refused command is
 * neither stored nor logged nor echoed.
 */
function refuseClearBankAccount(data: unknown): void {
  const method = (data as { method?: { type?: unknown } } | null)?.method;
  if (method?.type === 'ach') {
    throw AppError.unprocessable(
      'COMMAND.BANK_ACCOUNT_IN_CLEAR',
      'a SubmitPayment command may not carry a bank account number; save the account over HTTPS and pay with it as `saved`',
      [{ field: 'method.type', code: 'not_allowed_on_kafka', message: 'use a saved payment method' }],
    );
  }
}
