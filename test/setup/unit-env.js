// Pure tests run in a fixed zone so that nothing depends on the machine's TZ (CONVENTIONS.md).
process.env.TZ = 'UTC';
