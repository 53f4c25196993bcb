-- Scratch tables for the pgbench ceiling of `npm run bench:flow` (bench/pgbench/payment-flow.sql): the
-- shapes and indexes of the tables one payment writes (intake, settlement, invoice, notification, and each
-- service's outbox and inbox), in a schema of their own so that the services' data is never touched.
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS pgbench_flow CASCADE;
CREATE SCHEMA pgbench_flow;
SET search_path = pgbench_flow;

CREATE TABLE outbox_events (
  id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  topic text NOT NULL,
  message_key text NOT NULL,
  event_type text NOT NULL,
  payload jsonb NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  claimed_until timestamptz,
  claimed_by uuid
);
CREATE INDEX outbox_events_unsent_idx ON outbox_events (created_at, seq) WHERE sent_at IS NULL;
CREATE INDEX outbox_events_unsent_key_idx ON outbox_events (message_key, created_at, seq) WHERE sent_at IS NULL;
CREATE INDEX outbox_events_sent_idx ON outbox_events (sent_at) WHERE sent_at IS NOT NULL;

CREATE TABLE inbox_events (
  consumer_group text NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  "offset" text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX inbox_events_processed_idx ON inbox_events (processed_at);

CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL,
  response_status integer,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  locked_at timestamptz NOT NULL DEFAULT now(),
  lock_token uuid,
  PRIMARY KEY (scope, idempotency_key)
);

CREATE TABLE invoice_view (
  invoice_id uuid PRIMARY KEY,
  customer_id text NOT NULL,
  amount_due_cents bigint NOT NULL,
  status text NOT NULL,
  version integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payments (
  payment_id uuid PRIMARY KEY,
  customer_id text NOT NULL,
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  status text NOT NULL,
  method_type text NOT NULL,
  account_number_ciphertext text,
  invoices jsonb NOT NULL,
  submitted_at timestamptz NOT NULL,
  business_date date NOT NULL,
  expected_posting_date date NOT NULL,
  submitted_event_id uuid,
  applied_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_customer_idx ON payments (customer_id, submitted_at DESC);
CREATE INDEX payments_submitted_idx ON payments (submitted_at) WHERE status = 'submitted';

CREATE TABLE payment_status_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (payment_id),
  status text NOT NULL,
  at timestamptz NOT NULL,
  source_event_id text
);
CREATE INDEX payment_status_history_payment_idx ON payment_status_history (payment_id, at);

CREATE TABLE settlement_payments (
  payment_id uuid PRIMARY KEY,
  customer_id text NOT NULL,
  amount_cents bigint NOT NULL,
  invoices jsonb NOT NULL,
  business_date date NOT NULL,
  posting_date date NOT NULL,
  status text NOT NULL,
  posted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX settlement_payments_due_idx ON settlement_payments (posting_date) WHERE status = 'scheduled';

CREATE TABLE invoices (
  invoice_id uuid PRIMARY KEY,
  customer_id text NOT NULL,
  amount_due_cents bigint NOT NULL CHECK (amount_due_cents >= 0),
  status text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE pending_payments (
  payment_id uuid PRIMARY KEY,
  customer_id text NOT NULL,
  amount_cents bigint NOT NULL
);
CREATE TABLE payment_applications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payment_id uuid NOT NULL,
  invoice_id uuid NOT NULL REFERENCES invoices (invoice_id),
  amount_cents bigint NOT NULL,
  UNIQUE (payment_id, invoice_id)
);
CREATE TABLE ledger_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  journal_id uuid NOT NULL,
  customer_id text NOT NULL,
  account text NOT NULL,
  debit_cents bigint NOT NULL DEFAULT 0,
  credit_cents bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_customer_idx ON ledger_entries (customer_id, id DESC);

CREATE TABLE notifications (
  notification_id uuid PRIMARY KEY,
  source_event_id text NOT NULL,
  customer_id text NOT NULL,
  type text NOT NULL,
  channel text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_event_id, channel)
);
