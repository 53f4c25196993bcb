-- One payment's writes through the platform, as the services issue them (bench/pgbench/setup.sql makes the
-- tables): one pgbench transaction script = one payment, so pgbench's "tps" is payments per second with
-- nothing but PostgreSQL doing the work. Eight commits, as in the services: intake's request, the outbox
-- relays (folded into the consumers' commits here), settlement's schedule, invoice's pending payment,
-- intake's status update, settlement's posting, invoice's application, intake's view and notification's log.
\set n random(1, 9000000000000000000)
\set cents random(1000, 250000)
SET search_path = pgbench_flow;

-- 1. intake: POST /v1/payments (idempotency claim, invoice lock, money in flight, payment, history, outbox)
BEGIN;
INSERT INTO invoice_view (invoice_id, customer_id, amount_due_cents, status)
  VALUES (md5(:n || 'inv')::uuid, 'c-' || (:n % 1000), :cents, 'open');
INSERT INTO invoices (invoice_id, customer_id, amount_due_cents, status)
  VALUES (md5(:n || 'inv')::uuid, 'c-' || (:n % 1000), :cents, 'open');
INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, state, lock_token)
  VALUES ('c-' || (:n % 1000), :n::text, md5(:n::text), 'in_flight', md5(:n || 'lock')::uuid)
  ON CONFLICT DO NOTHING;
SELECT invoice_id, amount_due_cents, status FROM invoice_view
  WHERE invoice_id = md5(:n || 'inv')::uuid AND customer_id = 'c-' || (:n % 1000) FOR UPDATE;
SELECT item->>'invoiceId', SUM((item->>'amountCents')::bigint) FROM payments p
  CROSS JOIN LATERAL jsonb_array_elements(p.invoices) item
  WHERE p.customer_id = 'c-' || (:n % 1000) AND (p.status IN ('submitted', 'scheduled', 'awaiting_funds')
    OR (p.status = 'posted' AND p.applied_at IS NULL)) GROUP BY 1;
INSERT INTO payments (payment_id, customer_id, amount_cents, status, method_type, account_number_ciphertext,
    invoices, submitted_at, business_date, expected_posting_date)
  VALUES (md5(:n || 'pay')::uuid, 'c-' || (:n % 1000), :cents, 'submitted', 'ach', repeat('x', 64),
    jsonb_build_array(jsonb_build_object('invoiceId', md5(:n || 'inv')::uuid, 'amountCents', :cents)),
    now(), current_date, current_date + 2);
INSERT INTO payment_status_history (payment_id, status, at) VALUES (md5(:n || 'pay')::uuid, 'submitted', now());
INSERT INTO outbox_events (id, topic, message_key, event_type, payload)
  VALUES (md5(:n || 'e1')::uuid, 'intake.payments.v1', 'c-' || (:n % 1000), 'payment.submitted', jsonb_build_object('paymentId', md5(:n || 'pay')::uuid, 'amountCents', :cents, 'pad', repeat('x', 600)));
UPDATE idempotency_keys SET state = 'completed', response_status = 201, response_body = '{"status":"submitted"}'
  WHERE scope = 'c-' || (:n % 1000) AND idempotency_key = :n::text AND lock_token = md5(:n || 'lock')::uuid;
COMMIT;

-- 2. settlement: payment.submitted → scheduled (inbox, row, outbox) and intake's relay marks its row sent
BEGIN;
UPDATE outbox_events SET sent_at = now() WHERE id = md5(:n || 'e1')::uuid;
INSERT INTO inbox_events (consumer_group, event_id, event_type, topic, partition, "offset")
  VALUES ('settlement', md5(:n || 'e1'), 'payment.submitted', 'intake.payments.v1', 0, :n::text);
INSERT INTO settlement_payments (payment_id, customer_id, amount_cents, invoices, business_date, posting_date, status)
  VALUES (md5(:n || 'pay')::uuid, 'c-' || (:n % 1000), :cents, '[]', current_date, current_date + 2, 'scheduled');
INSERT INTO outbox_events (id, topic, message_key, event_type, payload)
  VALUES (md5(:n || 'e2')::uuid, 'settlement.payments.v1', 'c-' || (:n % 1000), 'payment.scheduled', jsonb_build_object('paymentId', md5(:n || 'pay')::uuid, 'pad', repeat('x', 300)));
COMMIT;

-- 3. invoice: payment.submitted → pending payment
BEGIN;
INSERT INTO inbox_events (consumer_group, event_id, event_type, topic, partition, "offset")
  VALUES ('invoice', md5(:n || 'e1'), 'payment.submitted', 'intake.payments.v1', 0, :n::text);
INSERT INTO pending_payments (payment_id, customer_id, amount_cents) VALUES (md5(:n || 'pay')::uuid, 'c-' || (:n % 1000), :cents);
COMMIT;

-- 4. intake: payment.scheduled → status and history; settlement's relay marks its row sent
BEGIN;
UPDATE outbox_events SET sent_at = now() WHERE id = md5(:n || 'e2')::uuid;
INSERT INTO inbox_events (consumer_group, event_id, event_type, topic, partition, "offset")
  VALUES ('intake', md5(:n || 'e2'), 'payment.scheduled', 'settlement.payments.v1', 0, :n::text);
SELECT status FROM payments WHERE payment_id = md5(:n || 'pay')::uuid FOR UPDATE;
UPDATE payments SET status = 'scheduled', updated_at = now() WHERE payment_id = md5(:n || 'pay')::uuid;
INSERT INTO payment_status_history (payment_id, status, at, source_event_id) VALUES (md5(:n || 'pay')::uuid, 'scheduled', now(), md5(:n || 'e2'));
COMMIT;

-- 5. settlement: the posting (row, outbox)
BEGIN;
UPDATE settlement_payments SET status = 'posted', posted_at = now() WHERE payment_id = md5(:n || 'pay')::uuid AND status = 'scheduled';
INSERT INTO outbox_events (id, topic, message_key, event_type, payload)
  VALUES (md5(:n || 'e3')::uuid, 'settlement.payments.v1', 'c-' || (:n % 1000), 'payment.posted', jsonb_build_object('paymentId', md5(:n || 'pay')::uuid, 'pad', repeat('x', 600)));
COMMIT;

-- 6. invoice: payment.posted → application, ledger, invoice, events
BEGIN;
UPDATE outbox_events SET sent_at = now() WHERE id = md5(:n || 'e3')::uuid;
INSERT INTO inbox_events (consumer_group, event_id, event_type, topic, partition, "offset")
  VALUES ('invoice', md5(:n || 'e3'), 'payment.posted', 'settlement.payments.v1', 0, :n::text);
SELECT invoice_id, amount_due_cents FROM invoices WHERE invoice_id = md5(:n || 'inv')::uuid FOR UPDATE;
INSERT INTO payment_applications (payment_id, invoice_id, amount_cents) VALUES (md5(:n || 'pay')::uuid, md5(:n || 'inv')::uuid, :cents);
UPDATE invoices SET amount_due_cents = amount_due_cents - :cents, status = 'paid', version = version + 1, updated_at = now() WHERE invoice_id = md5(:n || 'inv')::uuid;
INSERT INTO ledger_entries (journal_id, customer_id, account, debit_cents, credit_cents) VALUES
  (md5(:n || 'j')::uuid, 'c-' || (:n % 1000), 'cash', :cents, 0),
  (md5(:n || 'j')::uuid, 'c-' || (:n % 1000), 'receivable', 0, :cents);
DELETE FROM pending_payments WHERE payment_id = md5(:n || 'pay')::uuid;
INSERT INTO outbox_events (id, topic, message_key, event_type, payload) VALUES
  (md5(:n || 'e4')::uuid, 'invoice.events.v1', 'c-' || (:n % 1000), 'payment.applied', jsonb_build_object('paymentId', md5(:n || 'pay')::uuid, 'pad', repeat('x', 400))),
  (md5(:n || 'e5')::uuid, 'invoice.events.v1', 'c-' || (:n % 1000), 'invoice.balance-changed', jsonb_build_object('invoiceId', md5(:n || 'inv')::uuid, 'pad', repeat('x', 300)));
COMMIT;

-- 7. intake: payment.posted, payment.applied, invoice.balance-changed → status, applied_at, invoice view
BEGIN;
INSERT INTO inbox_events (consumer_group, event_id, event_type, topic, partition, "offset")
  VALUES ('intake', md5(:n || 'e3'), 'payment.posted', 'settlement.payments.v1', 0, :n::text);
UPDATE payments SET status = 'posted', updated_at = now() WHERE payment_id = md5(:n || 'pay')::uuid;
INSERT INTO payment_status_history (payment_id, status, at, source_event_id) VALUES (md5(:n || 'pay')::uuid, 'posted', now(), md5(:n || 'e3'));
UPDATE outbox_events SET sent_at = now() WHERE id IN (md5(:n || 'e4')::uuid, md5(:n || 'e5')::uuid);
INSERT INTO inbox_events (consumer_group, event_id, event_type, topic, partition, "offset") VALUES
  ('intake', md5(:n || 'e4'), 'payment.applied', 'invoice.events.v1', 0, :n::text),
  ('intake', md5(:n || 'e5'), 'invoice.balance-changed', 'invoice.events.v1', 0, :n::text);
UPDATE payments SET applied_at = now() WHERE payment_id = md5(:n || 'pay')::uuid;
UPDATE invoice_view SET amount_due_cents = 0, status = 'paid', version = 2, updated_at = now()
  WHERE invoice_id = md5(:n || 'inv')::uuid AND version < 2;
COMMIT;

-- 8. notification: payment.applied → the receipt in the notification log
BEGIN;
INSERT INTO inbox_events (consumer_group, event_id, event_type, topic, partition, "offset")
  VALUES ('notification', md5(:n || 'e4'), 'payment.applied', 'invoice.events.v1', 0, :n::text);
INSERT INTO notifications (notification_id, source_event_id, customer_id, type, channel, status)
  VALUES (md5(:n || 'nt')::uuid, md5(:n || 'e4'), 'c-' || (:n % 1000), 'payment.receipt', 'email', 'pending');
COMMIT;
