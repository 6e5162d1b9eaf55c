// Read a request body once, into a buffer, refusing more than `limit` bytes.
import type { IncomingMessage } from 'node:http';
import { PaymockError } from '../core/errors.js';

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    return Promise.reject(new PaymockError('BODY_TOO_LARGE', `request body of ${declared} bytes is over the limit of ${limit} bytes (--max-body-bytes)`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume(); // drain, so the answer can still be written
        reject(new PaymockError('BODY_TOO_LARGE', `request body is over the limit of ${limit} bytes (--max-body-bytes)`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (error) => reject(new PaymockError('BAD_REQUEST', `request body could not be read: ${error.message}`, { cause: error })));
  });
}
