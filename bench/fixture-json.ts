// The generic (non-Alipay) exchange: a JSON lookup on a REST path, answered by about as many
// bytes of JSON as the Alipay fixture's XML, so paymock matches it with its `http` dialect.
export const JSON_PATH = '/api/v1/orders/lookup';

export const JSON_REQUEST_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

export const JSON_REQUEST_BODY = JSON.stringify({ merchant: 'bench-shop', order_id: 'ORD-20240101-0001', include: ['items', 'payments'] });

const ORDER = {
  order_id: 'ORD-20240101-0001',
  merchant: 'bench-shop',
  status: 'PAID',
  currency: 'CNY',
  total: '88.88',
  created_at: '2024-01-01T12:00:00+08:00',
  paid_at: '2024-01-01T12:00:05+08:00',
  buyer: { id: 'B-2088102122524333', email: 'buyer@example.com', name: '测试买家' },
  items: [
    { sku: 'SKU-0001', name: '测试商品：基准测试订单', quantity: 1, price: '66.66' },
    { sku: 'SKU-0002', name: '压测用的固定响应', quantity: 2, price: '11.11' },
  ],
  payments: [{ id: 'PAY-2024010122001424330500001234', method: 'alipay', amount: '88.88', status: 'SUCCESS' }],
  note: 'A fixed answer of about one kilobyte, the size of the Alipay fixture, for the generic replay scenario.',
  tags: ['bench', 'generic', 'json', 'replay'],
};

export const JSON_RESPONSE_BODY: Buffer = Buffer.from(JSON.stringify(ORDER, null, 2));

export const JSON_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': String(JSON_RESPONSE_BODY.length),
};
