/**
 * application/x-www-form-urlencoded bodies, parsed exactly as @fastify/formbody's default (fast-querystring) does,
 * but with native string search and decoding instead of a loop over every character: a ConTest `jobDesc` is a whole
 * percent-encoded descriptor, and parsing it was a tenth of a form submission's CPU.
 */

export type Form = Record<string, string | string[] | undefined>;

/** fast-querystring's result type: an object without Object.prototype, so any key (even __proto__) is plain data. */
const Empty = function Empty() {} as unknown as new () => Form;
Empty.prototype = Object.create(null);

const PLUS = /\+/g;

/** "+" is a space; percent escapes are decoded unless malformed (then the text is kept as sent). */
function decodePart(text: string): string {
  const spaced = text.includes("+") ? text.replace(PLUS, " ") : text;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Pairs split on "&", key and value on the first "="; a pair with neither key nor "=" is skipped; repeats make lists. */
export function parseForm(input: string): Form {
  const result = new Empty();
  const end = input.length;
  // The first "=" at or after `start` (end + 1 when there is none): found once, so parsing stays linear.
  let eq = -1;
  for (let start = 0; start <= end; ) {
    const amp = input.indexOf("&", start);
    const stop = amp === -1 ? end : amp;
    if (eq < start) {
      eq = input.indexOf("=", start);
      if (eq === -1) eq = end + 1;
    }
    const hasValue = eq < stop;
    const key = input.slice(start, hasValue ? eq : stop);
    if (hasValue || key.length > 0) add(result, decodePart(key), hasValue ? decodePart(input.slice(eq + 1, stop)) : "");
    start = stop + 1;
  }
  return result;
}

function add(form: Form, key: string, value: string): void {
  const current = form[key];
  if (current === undefined) form[key] = value;
  else if (Array.isArray(current)) current.push(value);
  else form[key] = [current, value];
}
