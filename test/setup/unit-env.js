// Pure tests run in a fixed zone so that nothing depends on the machine's TZ (CONTRIBUTING.md, "Dates").
process.env.TZ = 'UTC';
