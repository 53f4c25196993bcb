/** A paragraph of an email, or a bulleted list. */
export type EmailBlock = string | { list: string[] };

/** What a template decides: the notification type, the subject and the blocks of the body. */
export interface EmailContent {
  type: string;
  subject: string;
  blocks: EmailBlock[];
}

/** An email as sent: its subject, plain text and HTML. */
export interface RenderedEmail {
  type: string;
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML: names and reasons come from other services and customers. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** The same blocks as plain text (one blank line between blocks) and as simple HTML. */
export function layoutEmail(content: EmailContent): RenderedEmail {
  const text = content.blocks
    .map((block) => (typeof block === 'string' ? block : block.list.map((item) => `  - ${item}`).join('\n')))
    .join('\n\n');
  const body = content.blocks
    .map((block) =>
      typeof block === 'string'
        ? `<p>${escapeHtml(block).replace(/\n/g, '<br>')}</p>`
        : `<ul>${block.list.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
    )
    .join('\n');
  return {
    type: content.type,
    subject: content.subject,
    text: `${text}\n`,
    html: `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(content.subject)}</title></head><body>\n${body}\n</body></html>\n`,
  };
}
