// The kinds of malformed traffic the fuzz run plays, each a small function writing to a socket.
import type { Socket } from 'node:net';

export interface Case {
  readonly name: string;
  /** Stop reading once a full status line and headers arrived (else wait for the close). */
  readonly expectsReply: boolean;
  /** A slow client may be kept waiting by design (until paymock's own timeouts). */
  readonly mayHang?: boolean;
  send(socket: Socket, random: () => number): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function garbage(random: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

const write = (text: string | Buffer) => async (socket: Socket) => {
  socket.write(text);
};

const MAPI = '/gateway.do?service=alipay.acquire.overseas.spot.pay&partner=2088101122136241&trans_amount=1.00&currency=USD&buyer_identity_code=288888888888888888&partner_trans_id=F1';

function post(path: string, type: string, body: string | Buffer, extra = ''): string | Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = `POST ${path} HTTP/1.1\r\nHost: fuzz\r\nContent-Type: ${type}\r\nContent-Length: ${bytes.length}\r\n${extra}Connection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), bytes]);
}

export const CASES: readonly Case[] = [
  { name: 'garbage request line', expectsReply: true, send: async (s, r) => void s.write(Buffer.concat([garbage(r, 40), Buffer.from('\r\n\r\n')])) },
  { name: 'unknown HTTP version', expectsReply: true, send: write('GET / HTTP/9.9\r\nHost: x\r\n\r\n') },
  { name: 'header without a colon', expectsReply: true, send: write('GET / HTTP/1.1\r\nHost x\r\nbroken header line\r\n\r\n') },
  { name: 'conflicting Content-Length', expectsReply: true, send: write('POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello') },
  { name: 'oversized header (100 KB)', expectsReply: true, send: write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`) },
  { name: 'bad chunk size', expectsReply: true, send: write('POST /gateway.do HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n') },
  { name: 'chunked without terminator, then close', expectsReply: false, send: async (s) => void s.end('POST /gateway.do HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel') },
  { name: 'invalid GBK bytes in a legacy form', expectsReply: true, send: write(post('/gateway.do?_input_charset=gbk', 'application/x-www-form-urlencoded', 'service=alipay.acquire.overseas.query&partner=2088101122136241&partner_trans_id=%FF%FE%81%30&trans_name=%D6')) },
  { name: 'unknown _input_charset', expectsReply: true, send: write(`GET ${MAPI}&_input_charset=klingon HTTP/1.1\r\nHost: x\r\n\r\n`) },
  { name: 'broken biz_content JSON', expectsReply: true, send: write(post('/gateway.do?method=alipay.trade.pay&app_id=2021', 'application/x-www-form-urlencoded', 'biz_content=%7B%22out_trade_no%22%3A')) },
  { name: 'broken v3 JSON body', expectsReply: true, send: write(post('/v3/alipay/trade/pay', 'application/json', '{"out_trade_no": "X", "total_amount": ')) },
  { name: 'broken XML body', expectsReply: true, send: write(post('/gateway.do?service=alipay.acquire.overseas.query&partner=2088101122136241', 'text/xml', '<alipay><unclosed>')) },
  { name: 'bad MD5 signature', expectsReply: true, send: write(`GET ${MAPI}&sign_type=MD5&sign=00000000000000000000000000000000 HTTP/1.1\r\nHost: x\r\n\r\n`) },
  { name: 'bad v3 authorization', expectsReply: true, send: write(post('/v3/alipay/trade/query', 'application/json', '{"out_trade_no":"X"}', 'Authorization: ALIPAY-SHA256withRSA app_id=2021,nonce=x,timestamp=1,sign=@@@\r\n')) },
  { name: 'JSON sent as a form', expectsReply: true, send: write(post('/gateway.do?method=alipay.trade.query&app_id=2021', 'application/x-www-form-urlencoded', '{"biz_content": 1}')) },
  { name: 'binary with a text content type', expectsReply: true, send: async (s, r) => void s.write(post('/anything', 'text/plain; charset=utf-8', garbage(r, 300))) },
  { name: 'body over the limit', expectsReply: true, send: write(`POST /gateway.do HTTP/1.1\r\nHost: x\r\nContent-Length: ${20 * 1024 * 1024}\r\n\r\n${'x'.repeat(1000)}`) },
  { name: 'half-closed after the request', expectsReply: true, send: async (s) => void s.end(`GET ${MAPI.replace('F1', 'F2')} HTTP/1.1\r\nHost: x\r\n\r\n`) },
  { name: 'closed mid-headers', expectsReply: false, send: async (s) => void s.end('GET /gateway.do HTTP/1.1\r\nHost: x\r\nX-Par') },
  {
    name: 'slow client (headers byte by byte)',
    expectsReply: true,
    mayHang: true,
    send: async (s) => {
      for (const ch of 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n') {
        if (s.destroyed) return;
        s.write(ch);
        await sleep(20);
      }
    },
  },
  { name: 'CONNECT to a bad authority', expectsReply: true, send: write('CONNECT nowhere HTTP/1.1\r\nHost: nowhere\r\n\r\n') },
  {
    name: 'garbage inside a CONNECT tunnel',
    expectsReply: false,
    send: async (s, r) => {
      s.write('CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n');
      await sleep(10);
      s.end(garbage(r, 200));
    },
  },
  {
    name: 'broken TLS hello to an intercepted host',
    expectsReply: false,
    send: async (s, r) => {
      s.write('CONNECT openapi.alipay.com:443 HTTP/1.1\r\nHost: openapi.alipay.com:443\r\n\r\n');
      await sleep(10);
      s.end(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40]), garbage(r, 64)]));
    },
  },
];
