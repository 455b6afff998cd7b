// User-written text that ends up in an e-mail or a header: one line, no control characters, no
// bidi overrides or other invisible formatting that could make it read as something else (a
// name that starts a new paragraph of "instructions", or reverses the text of a link). Zero-width
// (non-)joiners stay: emoji sequences and several scripts need them.
const UNSAFE = /[\p{Cc}\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/u;

export const PLAIN_TEXT_RULE = 'must be one line without control or invisible formatting characters';

export const isPlainText = (text: string): boolean => !UNSAFE.test(text);

/** The text with every unsafe character dropped (for rows written before the rule). */
export const toPlainText = (text: string): string => text.replace(new RegExp(UNSAFE.source, 'gu'), '');
