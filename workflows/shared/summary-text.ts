// The vocabulary of the Web UI's summaries: fixed single lines the Web UI and `temporal workflow
// describe` show instead of bare type names. Each domain declares the summaries of its own
// activities and workflows with these (workflows/<domain>/summaries.ts); the log-context
// interceptors look them up (workflows/shared/summary-registry.ts). Sandbox-safe and pure.

/** What one summary is made from: the call's type and first argument. */
export interface SummarySource {
  /** The type read as a step: `chargePayment` → `Charge payment`. */
  step: string;
  /** The first argument when it is an object (an array included), else an empty object. */
  input: Record<string, unknown>;
  /** A field of the input that is a short, safe string (an ID, a template name), else undefined. */
  str(key: string): string | undefined;
}

/** A domain's summary of one activity or workflow type; no personal data. */
export type Summarizer = (source: SummarySource) => string;

/** The summaries a domain declares, by activity and workflow type name. */
export interface DomainSummaries {
  activities?: Readonly<Record<string, Summarizer>>;
  workflows?: Readonly<Record<string, Summarizer>>;
}

/** `chargePayment` → `Charge payment`, `sendEmail` → `Send email`. */
export function humanizeName(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** First 8 characters of a UUID-like ID: enough to tell orders apart on one screen. */
export const shortId = (id: string): string => (id.length > 13 ? id.slice(0, 8) : id);

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Minor units as `71.97 USD`; undefined when the amount is not a number. */
export const money = (cents: unknown, currency: unknown): string | undefined =>
  typeof cents === 'number'
    ? `${(cents / 100).toFixed(2)}${typeof currency === 'string' ? ` ${currency}` : ''}`
    : undefined;
