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
    // Inline handlers, no named closures: this runs once per request.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data'); // nobody else reads this request's body
        req.resume(); // drain, so the answer can still be written
        reject(new PaymockError('BODY_TOO_LARGE', `request body is over the limit of ${limit} bytes (--max-body-bytes)`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? Buffer.from(chunks[0]!) : Buffer.concat(chunks)));
    req.on('error', (error) => reject(new PaymockError('BAD_REQUEST', `request body could not be read: ${error.message}`, { cause: error })));
  });
}
