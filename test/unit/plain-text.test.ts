import { renderEmail } from '../../activities/notifications/email-templates';
import { isPlainText, toPlainText } from '../../common/plain-text';

it.each(['Ada Lovelace', 'Zoë Ørsted-Łukasz', '李小龍', 'مهرداد\u200cی', 'Dev 👩\u200d💻', "O'Brien (admin)"])(
  'accepts the name %j',
  (name) => expect(isPlainText(name)).toBe(true),
);

it.each([
  ['line feed', 'Ada\nReset your password at evil.test'],
  ['carriage return', 'Ada\rX'],
  ['tab', 'Ada\tX'],
  ['bell', 'Ada\u0007'],
  ['right-to-left override', 'Ada \u202Egnp.exe'],
  ['left-to-right isolate', 'Ada\u2066X'],
  ['right-to-left mark', 'Ada\u200f'],
  ['zero-width space', 'A\u200bda'],
  ['line separator', 'Ada\u2028X'],
  ['byte-order mark', '\ufeffAda'],
  ['zero-width joiner alone', '\u200d'],
  ['Hangul filler', '\u3164'],
  ['Braille blank', '\u2800'],
  ['joiners and spaces only', ' \u200c \u200d '],
  ['no-break space only', '\u00a0'],
  ['ideographic space only', '\u3000'],
])('refuses a name with a %s', (_label, name) => expect(isPlainText(name)).toBe(false));

it('drops unsafe characters', () => expect(toPlainText('A\u200bda\n')).toBe('Ada'));

it('renders a name stored before the rule on one line, without its formatting characters', () => {
  const { text } = renderEmail('welcome', 'Ada\n\nReset at evil.test \u202Etxt', {});
  expect(text.split('\n')[0]).toBe('Hello AdaReset at evil.test txt,');
});
