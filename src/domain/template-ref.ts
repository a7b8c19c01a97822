/** A template is named `id@version`; a published version never changes. */
export interface TemplateRef {
  readonly id: string;
  readonly version: string;
}

/**
 * The one definition of a template id and version, used by the config file's schema, the admin
 * API's path parameters and every `id@version` reference: an id the file accepts can be referenced.
 */
export const TEMPLATE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const TEMPLATE_VERSION = /^[0-9A-Za-z][0-9A-Za-z._-]*$/;
const TEMPLATE_REF = new RegExp(`^(${TEMPLATE_ID.source.slice(1, -1)})@(${TEMPLATE_VERSION.source.slice(1, -1)})$`);

export function parseTemplateRef(text: string): TemplateRef | undefined {
  const match = TEMPLATE_REF.exec(text);
  if (!match) return undefined;
  return { id: match[1] as string, version: match[2] as string };
}

export function formatTemplateRef(ref: TemplateRef): string {
  return `${ref.id}@${ref.version}`;
}
