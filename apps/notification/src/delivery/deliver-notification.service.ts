import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { backoffDelay, Outbox, sleep } from '@remit/messaging';
import { Clock } from '@remit/platform';
import { NotificationEntity, RECIPIENT_NOT_YET_KNOWN } from '../notifications/notification.entity';
import { RecipientsService } from '../recipients/recipients.service';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { WebhookSender } from '../webhooks/webhook-sender';
import { signWebhook } from '../webhooks/webhook-signature';
import { DeliveryQueue } from './delivery-queue.service';
import { GroupCommit } from './group-commit';
import { Mailer } from './mailer';

export type DeliveryOutcome = 'sent' | 'skipped' | 'dead';

/**
 * What one attempt came to: an outcome, or a failed send (`attempt`, counted on the row) that a later
 * attempt retries.
 */
export type AttemptResult = { outcome: DeliveryOutcome } | { failedAttempt: number; error: unknown };

/**
 * How long a delivery holds its notification: longer than one send can take (SMTP: 10 s to connect,
 * 10 s for the greeting, 30 s of socket silence, twice when the Mailer's pool tries a mail again on
 * a new connection; a webhook: 10 s), so that a second delivery starts only once the first has
 * certainly given up. After a crash the sweep picks the notification up again.
 */
export const DELIVERY_LEASE_SECONDS = 120;
/**
 * The longest a "sent" mark waits for the other deliveries under way to join its statement: the mail
 * has gone, only its record waits (a crash in between sends it again, as a crash after any send does).
 */
export const SENT_GROUP_HOLD_MS = 5;
/** Commits of "sent" retried (0.5 s doubling to 8 s) before the job fails and would send again. */
const MARK_SENT_RETRIES = 6;

/** A send that no retry can fix (the endpoint was deleted): the notification is `dead` at once. */
class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** What a delivery reads of its notification: the row as its claim returns it. */
export type ClaimedNotification = Pick<
  NotificationEntity,
  | 'notificationId'
  | 'eventId'
  | 'customerId'
  | 'type'
  | 'channel'
  | 'to'
  | 'subject'
  | 'body'
  | 'html'
  | 'endpointId'
  | 'attempts'
>;

/** A sent notification waiting for its "sent" commit. */
interface SentMark {
  row: ClaimedNotification;
  attempt: number;
}

/** A failure reason fit for the log and the API: one line, bounded. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 300);
}

/**
 * Delivers one notification: sends it, then marks it sent and publishes `notification.sent` in one
 * transaction. Only a `pending` or `failed` row is sent, so a redelivered job, a sweep or a restart
 * never sends a sent one again. A failed send counts an attempt and is retried by the job's
 * exponential backoff; the last allowed attempt marks the row `dead`.
 *
 * The one window left is a crash between the send and the commit: the send is then repeated, with
 * the same Message-ID (email) or delivery id (webhook) so that the receiver can drop the copy.
 */
@Injectable()
export class DeliverNotificationService {
  private readonly logger = new Logger(DeliverNotificationService.name);
  /** Claims made while one runs are made together, in the next statement. */
  private readonly claims = new GroupCommit<string, ClaimedNotification | undefined>((ids) =>
    this.claimAll(ids),
  );
  /** Deliveries of this process under way (claiming, sending or marking). */
  private delivering = 0;
  /**
   * Deliveries that finish while one commits "sent" are marked in the next statement, together; a
   * mark also waits (at most `SENT_GROUP_HOLD_MS`) for the other deliveries under way, so that
   * concurrent deliveries share a statement and their events a relay round.
   */
  private readonly sentMarks = new GroupCommit<SentMark>((marks) => this.commitSent(marks), {
    coming: () => this.delivering,
    holdMs: SENT_GROUP_HOLD_MS,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mailer: Mailer,
    private readonly webhooks: WebhookSender,
    private readonly endpoints: WebhookEndpointsService,
    private readonly queue: DeliveryQueue,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly recipients: RecipientsService,
  ) {}

  /** Delivers it; a failed send that may be retried throws (a BullMQ job retries it with its backoff). */
  async deliver(notificationId: string): Promise<DeliveryOutcome> {
    const result = await this.attempt(notificationId);
    if ('failedAttempt' in result) throw result.error;
    return result.outcome;
  }

  /**
   * One attempt: its outcome, or the failed send's attempt number. Throws only when no attempt could be
   * made (the claim failed: the database is unreachable), the row then untouched.
   */
  async attempt(notificationId: string): Promise<AttemptResult> {
    this.delivering += 1;
    try {
      return await this.attemptCounted(notificationId);
    } finally {
      this.delivering -= 1;
    }
  }

  private async attemptCounted(notificationId: string): Promise<AttemptResult> {
    // Claim it first: only a pending or failed notification that no other delivery holds is sent.
    // The claim returns what the send needs, so the row is not read again.
    const row = await this.claims.add(notificationId);
    if (!row) return { outcome: 'skipped' };
    const attempt = row.attempts + 1;
    try {
      await this.send(row);
    } catch (error) {
      const dead = error instanceof PermanentDeliveryError || attempt >= this.queue.maxAttempts(row.channel);
      await this.dataSource.query(
        `UPDATE notification.notifications
            SET status = $2, attempts = $3, last_error = $4, last_attempt_at = now(), updated_at = now(),
                lease_until = NULL
          WHERE notification_id = $1 AND status IN ('pending', 'failed')`,
        [notificationId, dead ? 'dead' : 'failed', attempt, reasonOf(error)],
      );
      this.logger.warn(
        `${row.channel} ${row.type} ${notificationId}: attempt ${attempt} failed (${reasonOf(error)})${dead ? '; dead' : ''}`,
      );
      if (dead) return { outcome: 'dead' };
      return { failedAttempt: attempt, error };
    }
    await this.markSent(row, attempt);
    this.logger.log(`${row.channel} ${row.type} ${notificationId} sent (attempt ${attempt})`);
    return { outcome: 'sent' };
  }

  /**
   * Leases the notifications that are pending or failed and held by no other delivery, in one
   * statement; returns each one's row as claimed, or undefined for one not claimed. An id twice in
   * the group (two deliveries of one notification at once) is handed to the first only.
   */
  private async claimAll(ids: string[]): Promise<(ClaimedNotification | undefined)[]> {
    const claimed = await this.dataSource.query<ClaimedNotification[]>(
      `WITH claimed AS (
         UPDATE notification.notifications SET lease_until = now() + make_interval(secs => $2)
          WHERE notification_id = ANY($1::uuid[]) AND status IN ('pending', 'failed')
            AND (lease_until IS NULL OR lease_until < now())
          RETURNING notification_id AS "notificationId", event_id AS "eventId", customer_id AS "customerId",
                    type, channel, recipient AS "to", subject, body, html, endpoint_id AS "endpointId",
                    attempts)
       SELECT * FROM claimed`,
      [ids, DELIVERY_LEASE_SECONDS],
    );
    const byId = new Map(claimed.map((row) => [row.notificationId, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      byId.delete(id);
      return row;
    });
  }

  /**
   * Marks the notification sent and announces it, retrying a failed commit for a while: once the
   * mail or webhook has gone out, throwing would make the job send it again.
   */
  private async markSent(row: ClaimedNotification, attempt: number): Promise<void> {
    for (let retry = 0; ; retry += 1) {
      try {
        await this.sentMarks.add({ row, attempt });
        return;
      } catch (error) {
        if (retry >= MARK_SENT_RETRIES) throw error;
        this.logger.warn(
          `${row.channel} ${row.type} ${row.notificationId}: sent, but not marked yet (${reasonOf(error)}); retrying`,
        );
        await sleep(backoffDelay(retry + 1, 500, 8_000));
      }
    }
  }

  /**
   * Marks the notifications sent and publishes one `notification.sent` each, in one statement (atomic
   * without a transaction around it): the rows still waiting are marked, and only their events are
   * written to the outbox (a row already sent, or given up meanwhile, is left as it is and announced by
   * nobody again).
   */
  private async commitSent(marks: SentMark[]): Promise<void> {
    const sentAt = await this.clock.now();
    // A notification twice in the group is marked and announced once.
    const unique = [...new Map(marks.map((mark) => [mark.row.notificationId, mark])).values()];
    const events = this.outbox.prepare(
      unique.map(({ row }) => ({
        type: 'notification.sent' as const,
        customerId: row.customerId,
        subject: row.notificationId,
        data: {
          notificationId: row.notificationId,
          sourceEventId: row.eventId,
          customerId: row.customerId,
          type: row.type,
          channel: row.channel,
        },
      })),
    );
    await this.dataSource.query(
      `WITH marked AS (
         UPDATE notification.notifications AS n
            SET status = 'sent', attempts = marked.attempts, sent_at = $3, last_error = NULL,
                last_attempt_at = now(), updated_at = now(), lease_until = NULL
           FROM unnest($1::uuid[], $2::int[]) AS marked (notification_id, attempts)
          WHERE n.notification_id = marked.notification_id AND n.status IN ('pending', 'failed')
          RETURNING n.notification_id::text),
       announced AS (
         ${events.insert(this.dataSource, 4, `event.payload->'data'->>'notificationId' IN (SELECT notification_id FROM marked)`)}
         RETURNING 1)
       SELECT count(*) FROM announced`,
      [
        unique.map(({ row }) => row.notificationId),
        unique.map(({ attempt }) => attempt),
        sentAt,
        ...events.parameters,
      ],
    );
    this.outbox.written(this.dataSource.manager);
  }

  private async send(row: ClaimedNotification): Promise<void> {
    if (row.channel === 'email') {
      if (row.to === RECIPIENT_NOT_YET_KNOWN) row.to = await this.resolveRecipient(row);
      await this.mailer.send({
        to: row.to,
        subject: row.subject,
        text: row.body,
        html: row.html,
        notificationId: row.notificationId,
      });
      return;
    }
    const endpoint = row.endpointId ? await this.endpoints.find(row.endpointId) : null;
    if (!endpoint) throw new PermanentDeliveryError('webhook endpoint deleted');
    await this.endpoints.assertDeliverable(endpoint.url);
    // The receiver checks `t` against its own clock (a replay window), so it is the real time, not
    // the platform's test clock.
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook(this.endpoints.secretOf(endpoint), timestamp, row.body);
    await this.webhooks.post(endpoint.url, row.body, signature, row.notificationId);
  }

  /** The address of an email recorded before its customer was known; retried (an attempt) until it is. */
  private async resolveRecipient(row: ClaimedNotification): Promise<string> {
    const recipient = await this.recipients.find(row.customerId, this.dataSource.manager);
    if (!recipient) throw new Error(`no email address known for customer ${row.customerId} yet`);
    await this.dataSource.query(
      `UPDATE notification.notifications SET recipient = $2, updated_at = now()
        WHERE notification_id = $1 AND recipient = $3`,
      [row.notificationId, recipient.email, RECIPIENT_NOT_YET_KNOWN],
    );
    return recipient.email;
  }

  /**
   * Pending or failed notifications untouched for `staleMs` and held by no delivery: their job may be
   * lost (or the process that held their first attempt in memory stopped).
   */
  async stale(
    staleMs: number,
    limit = 500,
  ): Promise<Pick<NotificationEntity, 'notificationId' | 'channel'>[]> {
    return this.dataSource.query<Pick<NotificationEntity, 'notificationId' | 'channel'>[]>(
      `SELECT notification_id AS "notificationId", channel
         FROM notification.notifications
        WHERE status IN ('pending', 'failed') AND updated_at < now() - make_interval(secs => $1)
          AND (lease_until IS NULL OR lease_until < now())
        ORDER BY updated_at
        LIMIT $2`,
      [staleMs / 1000, limit],
    );
  }
}
