// User-written text that ends up in an e-mail or a header: one line, no control characters, no
// bidi overrides or other invisible formatting that could make it read as something else (a
// name that starts a new paragraph of "instructions", or reverses the text of a link). Zero-width
// (non-)joiners stay: emoji sequences and several scripts need them.
const UNSAFE = /[\p{Cc}\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/u;
// Blank to the eye although not whitespace: the Hangul fillers and the Braille blank. Text made
// only of these, whitespace and joiners reads as empty (a "nameless" sender, an empty address line).
const VISIBLE = /[^\p{White_Space}\u115f\u1160\u3164\uffa0\u2800\u200c\u200d]/u;

export const PLAIN_TEXT_RULE = 'must be one line of visible text without control or invisible formatting characters';

export const isPlainText = (text: string): boolean => !UNSAFE.test(text) && VISIBLE.test(text);

/** The text with every unsafe character dropped (for rows written before the rule). */
export const toPlainText = (text: string): string => text.replace(new RegExp(UNSAFE.source, 'gu'), '');
