import { Body, Controller, Get, HttpCode, Module, Param, Post, type Type } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  assertCustomerAccess,
  Clock,
  CurrentPrincipal,
  loadConfig,
  PlatformModule,
  Public,
  Roles,
  signToken,
  ZodValidationPipe,
  type Principal,
  type RemitConfig,
} from '@remit/platform';

/** The schema of these tests: no entities, only TypeORM's (empty) migrations table and `probe_rows`. */
export const PROBE_SCHEMA = 'platform_test';
/** Rows to lock: each test inserts its own. */
export const PROBE_ROWS = `${PROBE_SCHEMA}.probe_rows`;
/** What the probe's slow query carries, so that a test can find its backend in `pg_stat_activity`. */
export const SLOW_QUERY_MARK = 'remit-probe-slow-query';

export const thingSchema = z
  .object({
    name: z.string().min(1),
    invoices: z.array(z.object({ invoiceId: z.string(), amountCents: z.number().int().positive() })).min(1),
  })
  .strict();

/** A domain error as the pure libs raise it: an Error with a dotted code and a field. */
class AllocationError extends Error {
  readonly code = 'ALLOCATION.EXCEEDS_AMOUNT_DUE';
  readonly field = 'invoices.0.amountCents';
}

@Controller('v1/probe')
class ProbeController {
  constructor(
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Post('customers/:customerId/things')
  @HttpCode(201)
  create(
    @CurrentPrincipal() principal: Principal,
    @Param('customerId') customerId: string,
    @Body(new ZodValidationPipe(thingSchema)) body: z.infer<typeof thingSchema>,
  ) {
    assertCustomerAccess(principal, customerId);
    return { customerId, name: body.name, by: principal.sub };
  }

  @Get('whoami')
  whoami(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  @Get('ops-only')
  @Roles('ops')
  opsOnly() {
    return { ok: true };
  }

  @Get('now')
  @Public()
  async now() {
    return { now: (await this.clock.now()).toISOString() };
  }

  @Post('domain-error')
  domainError() {
    throw new AllocationError('the amount exceeds what is due');
  }

  @Get('crash')
  crash() {
    throw new Error('connection string postgres://secret@db leaked');
  }

  @Get('db/ping')
  @Public()
  async ping() {
    await this.dataSource.query('SELECT 1');
    return { ok: true };
  }

  @Get('db/session')
  @Public()
  async session() {
    const [lock] = await this.dataSource.query<{ lock_timeout: string }[]>('SHOW lock_timeout');
    const [statement] =
      await this.dataSource.query<{ statement_timeout: string }[]>('SHOW statement_timeout');
    return { lockTimeout: lock.lock_timeout, statementTimeout: statement.statement_timeout };
  }

  /** Locks a row, waiting at most 200 ms (as the configured lock_timeout would, only sooner). */
  @Post('db/rows/:id/lock')
  @Public()
  @HttpCode(200)
  lockRow(@Param('id') id: string) {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '200ms'`);
      const rows = await manager.query<{ id: string }[]>(
        `SELECT id FROM ${PROBE_ROWS} WHERE id = $1 FOR UPDATE`,
        [id],
      );
      return { locked: rows.length };
    });
  }

  /** A statement that outlives its statement_timeout (set lower here than the configured 30 s). */
  @Get('db/slow')
  @Public()
  slow() {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL statement_timeout = '100ms'`);
      await manager.query('SELECT pg_sleep(5)');
      return { done: true };
    });
  }

  /** A query that runs until its backend is terminated (see SLOW_QUERY_MARK). */
  @Get('db/sleep')
  @Public()
  async sleep() {
    await this.dataSource.query(`SELECT pg_sleep(20) /* ${SLOW_QUERY_MARK} */`);
    return { done: true };
  }

  @Post('text')
  text(@Body() body: string) {
    return { type: typeof body, length: body.length };
  }

  @Post('json')
  json(@Body() body: unknown) {
    return { received: JSON.stringify(body).length };
  }
}

/** A tiny service on the platform: PlatformModule plus one probe controller. */
export function probeModule(config: RemitConfig = loadConfig()): Type<unknown> {
  @Module({
    imports: [
      PlatformModule.forRoot({
        service: 'invoice',
        schema: PROBE_SCHEMA,
        entities: [],
        migrations: [],
        config,
      }),
    ],
    controllers: [ProbeController],
  })
  class ProbeModule {}
  return ProbeModule;
}

export async function ensureProbeSchema(config: RemitConfig): Promise<void> {
  const client = new Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${PROBE_SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${PROBE_ROWS} (id text PRIMARY KEY)`);
  } catch (error) {
    // 23505/42P06/42P07: created concurrently by another suite.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06' && code !== '42P07') throw error;
  } finally {
    await client.end();
  }
}

export function tokens(config: RemitConfig) {
  return {
    ops: signToken({ sub: 'ops-int', role: 'ops', customers: [] }, config.authJwtSecret),
    customer: signToken({ sub: 'user-int', role: 'customer', customers: ['cust-a'] }, config.authJwtSecret),
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are asserted field by field
  body: any;
}

export async function call(
  url: string,
  method: string,
  path: string,
  options: {
    token?: string;
    json?: unknown;
    raw?: string;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.raw !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    body = options.raw;
  }
  const response = await fetch(`${url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
