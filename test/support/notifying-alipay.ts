// The fake gateway's notifications, sent as the real sandbox sends them: after answering a pay
// that carried notify_url, a signed form is POSTed to that URL, again and again until it answers
// `success` (a few tries, close together). What was sent and every answer are kept.
import { setTimeout as sleep } from 'node:timers/promises';
import iconv from 'iconv-lite';
import { md5Sign, notifySignContent, rsaSign } from '../../src/dialects/signing.js';
import { MD5_KEY, type FakeAlipay } from './fake-alipay.js';

export interface Sent {
  readonly url: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly answers: string[];
}

export const TRADE_NO = '2024010122001400000000000042';

/** Percent-escapes in lower case and `+` for spaces: not how paymock would encode it. */
function gbkForm(fields: Record<string, string>): Buffer {
  const escape = (text: string) => [...iconv.encode(text, 'gbk')].map((b) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 ? '+' : `%${b.toString(16)}`)).join('');
  return Buffer.from(Object.entries(fields).map(([k, v]) => `${k}=${escape(v)}`).join('&'), 'latin1');
}

export function notifyingAlipay(alipay: FakeAlipay, tries = 6) {
  const sent: Sent[] = [];
  const post = async (url: string, body: Buffer, contentType: string) => {
    const record: Sent = { url, body, contentType, answers: [] };
    sent.push(record);
    for (let i = 0; i < tries; i++) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) });
        record.answers.push(await res.text());
        if (record.answers.at(-1)!.trim() === 'success') return;
      } catch (error) {
        record.answers.push(`error: ${(error as Error).message}`);
      }
      await sleep(40);
    }
  };
  const later = (url: string | undefined | null, body: Buffer, contentType: string) => {
    if (url) setTimeout(() => void post(url, body, contentType), 20);
  };
  return {
    sent,
    /** v2 alipay.trade.pay answers TRADE_SUCCESS and notifies, RSA2-signed by the gateway's key. */
    v2Pay() {
      alipay.v2('alipay.trade.pay', (biz) => {
        const request = alipay.upstream.received.at(-1)!;
        const notifyUrl = new URL(request.url, 'http://x').searchParams.get('notify_url');
        const fields: Record<string, string> = {
          gmt_create: '2024-01-01 12:00:00',
          charset: 'utf-8',
          gmt_payment: '2024-01-01 12:00:01',
          notify_time: '2024-01-01 12:00:02',
          subject: '测试 订单',
          buyer_id: '2088102177846880',
          invoice_amount: biz.total_amount!,
          version: '1.0',
          notify_id: `2024010100222120001${String(sent.length).padStart(13, '0')}`,
          fund_bill_list: '[{"amount":"8.00","fundChannel":"ALIPAYACCOUNT"}]',
          notify_type: 'trade_status_sync',
          out_trade_no: biz.out_trade_no!,
          total_amount: biz.total_amount!,
          trade_status: 'TRADE_SUCCESS',
          trade_no: TRADE_NO,
          auth_app_id: new URL(request.url, 'http://x').searchParams.get('app_id')!,
          app_id: new URL(request.url, 'http://x').searchParams.get('app_id')!,
        };
        const signed = { ...fields, sign_type: 'RSA2', sign: rsaSign(notifySignContent(fields), alipay.privateKeyPem, 'RSA2') };
        later(notifyUrl, Buffer.from(new URLSearchParams(signed).toString()), 'application/x-www-form-urlencoded; charset=utf-8');
        return { out_trade_no: biz.out_trade_no!, trade_no: TRADE_NO, total_amount: biz.total_amount!, buyer_logon_id: '159****5620' };
      });
    },
    /** Legacy spot pay answers SUCCESS and notifies in GBK, MD5-signed with the partner key. */
    mapiPay() {
      alipay.mapi('alipay.acquire.overseas.spot.pay', (p) => {
        const fields: Record<string, string> = {
          notify_id: `legacy${String(sent.length).padStart(26, '0')}`,
          notify_time: '2024-01-01 12:00:02',
          notify_type: 'trade_status_sync',
          partner: p.partner!,
          trade_no: TRADE_NO,
          out_trade_no: p.partner_trans_id!,
          trade_status: 'TRADE_SUCCESS',
          total_fee: p.trans_amount!,
          currency: p.currency!,
          trans_name: p.trans_name!,
        };
        const signed = { ...fields, sign: md5Sign(notifySignContent(fields), MD5_KEY, 'GBK'), sign_type: 'MD5' };
        later(p.notify_url, gbkForm(signed), 'application/x-www-form-urlencoded; charset=GBK');
        return { result_code: 'SUCCESS', alipay_trans_id: TRADE_NO, partner_trans_id: p.partner_trans_id!, trans_amount: p.trans_amount! };
      });
    },
  };
}
