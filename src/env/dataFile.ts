// Reading an environment's data file: a missing or unreadable file, or text its parser refuses,
// is one error naming the file and what it should hold (ToolWOZ parses JSON, τ-bench Python-exact
// JSON).
import * as fs from 'node:fs';
import { UserError } from '../util/errors';

export function readDataFile<T>(file: string, what: string, parse: (text: string) => T): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read ${what} (${code === 'ENOENT' ? 'file not found' : code})`);
  }
  try {
    return parse(text);
  } catch (e) {
    throw new UserError(`${file}: ${what} is not valid JSON (${(e as Error).message})`);
  }
}
