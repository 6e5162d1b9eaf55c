// An object's own keys in code-unit order, the order Array#sort gives strings, sorted by insertion.
// Keys, signed parameters and reply fields number a few dozen at most, and V8's Array#sort set up
// about 0.9 KB of working state per call: on the replay and mock paths that was once or more per
// request.

export function sortedKeys(value: object): string[] {
  const names = Object.keys(value);
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    while (j >= 0 && names[j]! > name) {
      names[j + 1] = names[j]!;
      j--;
    }
    names[j + 1] = name;
  }
  return names;
}
