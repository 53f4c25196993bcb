#!/usr/bin/env node
// A local SMTP sink for `npm start`: accepts every mail sent to SMTP_URL (smtp://127.0.0.1:1025 by
// default) and keeps each as an .eml file under .run/mail/ (MAIL_DIR), printing one line per mail
// (unless SMTP_SINK_QUIET=1).
// Nothing is relayed anywhere. Run alone: `node scripts/smtp-sink.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SMTP_URL = 'smtp://127.0.0.1:1025';
const smtpUrl = new URL(process.env.SMTP_URL || DEFAULT_SMTP_URL);
const port = Number(smtpUrl.port || 25);
const host = smtpUrl.hostname || '127.0.0.1';
const mailDir = path.resolve(root, process.env.MAIL_DIR || path.join('.run', 'mail'));
fs.mkdirSync(mailDir, { recursive: true });

// SMTP_SINK_QUIET=1 (bench:flow): keep the files, but neither parse nor print each mail, so that the
// sink costs the machine little next to the services being measured.
const quiet = process.env.SMTP_SINK_QUIET === '1';
let count = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', async () => {
      const raw = Buffer.concat(chunks);
      count += 1;
      const file = path.join(mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${count}.eml`);
      try {
        fs.writeFileSync(file, raw);
        if (quiet) return callback();
        const mail = await simpleParser(raw);
        const to = session.envelope.rcptTo.map((recipient) => recipient.address).join(', ');
        console.log(`✉ ${to}: ${mail.subject ?? '(no subject)'} → ${path.relative(root, file)}`);
        callback();
      } catch (error) {
        callback(error);
      }
    });
  },
});
server.on('error', (error) => console.error(`smtp sink: ${error.message}`));
server.listen(port, host, () => console.log(`SMTP sink on smtp://${host}:${port}; mail kept in ${mailDir}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
