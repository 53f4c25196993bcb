// Integration and e2e tests run against the real local servers, in a database whose name says test.
process.env.TZ = 'UTC';
process.env.NODE_ENV = 'test';
process.env.DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/remit_test';
process.env.REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/1';
process.env.KAFKA_BROKERS = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'warn';
process.env.DB_MIGRATIONS_RUN = 'true';
