// Config and rule files: JSON, or YAML by extension. The only module that imports `yaml`.
// Syntax errors name the file, the line and the column.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { PaymockError, type ErrorCode } from './errors.js';
import { jsonErrorWhere } from './schema-error.js';

export function isYamlFile(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

export function parseDataFile(text: string, file: string, code: ErrorCode = 'CONFIG_INVALID'): unknown {
  if (isYamlFile(file)) {
    try {
      return parseYaml(text, { prettyErrors: true });
    } catch (error) {
      const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line} column ${error.linePos[0].col}` : '';
      throw new PaymockError(code, `${file} is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PaymockError(code, `${file} is not valid JSON${jsonErrorWhere(error, text)}: ${(error as Error).message}`, { cause: error });
  }
}
