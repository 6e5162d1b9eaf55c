// One copy of a string that many kept objects hold (a key's field names, a reply's header lines):
// later equal strings are swapped for the first, so the copies die young instead of being kept.

/** Remembers at most `limit` strings of at most `longest` UTF-16 units; others pass through. */
export function interner(limit = 10_000, longest = 64): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    const known = seen.get(text);
    if (known !== undefined) return known;
    if (seen.size < limit && text.length <= longest) seen.set(text, text);
    return text;
  };
}
