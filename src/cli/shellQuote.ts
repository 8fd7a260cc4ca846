// The command lines the CLI prints for a person to copy ("export with: npx josh export <dir> ..."):
// a path with a space or a quote in it must stay one word when pasted into a shell.

/** `word` as one POSIX shell word: as it is when every character is safe unquoted, else in single
 * quotes, where nothing is special but the single quote itself (written '\''). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./,:@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
