import * as fs from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { asyncApiDocument } from './asyncapi';
import { commandTypes } from './commands';
import { EVENT_TYPES } from './events';
import { ALL_TOPICS } from './topics';

const ASYNCAPI = path.join(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml');

describe(asyncApiDocument.name, () => {
  const text = fs.readFileSync(ASYNCAPI, 'utf8');

  it('docs/asyncapi.yaml is current (run `npm run docs:asyncapi` after changing the contracts)', () => {
    expect(parse(text)).toEqual(asyncApiDocument());
  });

  it('names every topic, event type and command', () => {
    const document = asyncApiDocument() as {
      channels: Record<string, { address: string }>;
      components: { messages: Record<string, { name: string }> };
    };
    expect(Object.values(document.channels).map((channel) => channel.address)).toEqual([...ALL_TOPICS]);
    expect(
      Object.values(document.components.messages)
        .map((message) => message.name)
        .sort(),
    ).toEqual([...EVENT_TYPES, ...commandTypes].sort());
  });

  it('parses as a valid AsyncAPI 3 document with @asyncapi/parser', async () => {
    const { document, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter(
      (diagnostic) => Number(diagnostic.severity) === Number(DiagnosticSeverity.Error),
    );
    expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual([...ALL_TOPICS]);
    expect(document?.messages().all().length).toBe(EVENT_TYPES.length + commandTypes.length);
  });
});
