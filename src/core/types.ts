// The central types of paymock (names fixed by DESIGN.md).

/** Header lines in the order they were sent, with their original case: `[name, value][]`. */
export type HeaderList = Array<[string, string]>;

/** The exact bytes of a message body; `charset` and `text` are views on them. */
export interface Body {
  readonly bytes: Buffer;
  /** The charset the bytes are in (from Content-Type or an XML declaration), if text. */
  readonly charset: string | undefined;
  /** The bytes decoded with `charset`, if the body is text. */
  readonly text: string | undefined;
}

export interface HttpRequest {
  readonly method: string;
  /** Absolute URL: `http(s)://host[:port]/path?query`. */
  readonly url: string;
  readonly headers: HeaderList;
  readonly body: Body;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText?: string;
  readonly headers: HeaderList;
  readonly body: Body;
}

export type DialectName = 'alipay-mapi' | 'alipay-openapi' | 'alipay-v3' | 'http';

/** What a request means to a payment gateway. */
export interface Call {
  readonly dialect: DialectName;
  /** The service or method (`alipay.trade.pay`), or `METHOD /path` for generic HTTP. */
  readonly api: string;
  /** Flat, decoded parameters (query and form fields). */
  readonly params: Readonly<Record<string, string>>;
  /** Decoded business content (`biz_content` for OpenAPI, a JSON body for v3 and http). */
  readonly biz?: unknown;
  /** The charset the request was decoded with (and its reply is encoded in). */
  readonly charset?: string;
}

/** A match key: readable fields (stored in cassettes, printed on a miss) and their hash. */
export interface MatchKey {
  /** The canonical text of the fields: equal keys, equal ids (made when asked). */
  readonly id: string;
  /** A small hash of `id`: equal keys, equal buckets; unequal keys rarely share one (compare with sameKey). */
  readonly bucket: number;
  /** A short digest of `id`, for people. */
  readonly hash: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface Interaction {
  readonly recordedAt: string;
  /** Time from sending the request upstream to the last byte of its response. */
  readonly latencyMs: number;
  readonly dialect: DialectName;
  readonly api: string;
  /** The key it was recorded under (recomputed on load, so matching config can change). */
  readonly key: MatchKey;
  readonly request: HttpRequest;
  readonly response: HttpResponse;
  /**
   * The merchant ids the recorded request carried (Alipay dialects: field -> value), which replay
   * swaps for a live request's. Stored with the recording so replay need not decode the recorded
   * request; absent in older cassettes and for other dialects (then read from the request).
   */
  readonly merchantIds?: Readonly<Record<string, string>>;
  /** Notifications the sandbox sent because of this exchange, caught by the notify relay. */
  readonly notifications?: readonly RecordedNotification[];
}

/** An asynchronous notification as the relay received it (the POSTed form, bytes kept). */
export interface RecordedNotification {
  readonly receivedAt: string;
  readonly headers: HeaderList;
  readonly body: Body;
}

export interface Cassette {
  readonly name: string;
  /** Where origin-form (gateway mode) requests went when this cassette was recorded. */
  readonly upstream?: string;
  readonly interactions: readonly Interaction[];
}

export type Source = 'rule' | 'cassette' | 'default' | 'upstream' | 'miss';

/** Who answered an exchange, and how long it took. */
export interface Outcome {
  readonly source: Source;
  readonly ruleId?: string;
  readonly cassette?: { readonly name: string; readonly index: number };
  /** Set when the exchange was written to a cassette. */
  readonly recorded?: boolean;
  /** Why nothing answered (on a miss), or what went wrong upstream. */
  readonly reason?: string;
  /** Something the client should know was off about the answer (e.g. adapted but not re-signed). */
  readonly warnings?: readonly string[];
  readonly durationMs: number;
}

/** Misbehaviour on the wire that no well-formed response can express. */
export type Fault =
  | { readonly kind: 'timeout' } // never answer; the client gives up
  | { readonly kind: 'reset' } // destroy the connection without a word
  | { readonly kind: 'truncated' }; // declare the full length, send half, close

/** A stage's answer: the response plus who gave it. */
export interface Answer {
  readonly response: HttpResponse;
  readonly outcome: Omit<Outcome, 'durationMs'>;
  readonly fault?: Fault;
  /** Wait this long before answering. */
  readonly delayMs?: number;
}

/** A failed check carries the gateway's own answer to a badly signed request. */
export type SignatureCheck =
  | { readonly ok: true; /** false when no key was known, so nothing was checked */ readonly checked: boolean }
  | { readonly ok: false; readonly reason: string; readonly response: HttpResponse };

/**
 * One wire format. The generic `http` dialect accepts anything; the Alipay dialects (later)
 * recognise their gateways and know how to answer, adapt and sign like Alipay.
 */
export interface Dialect {
  readonly name: DialectName;
  detect(request: HttpRequest): boolean;
  decode(request: HttpRequest): Call;
  fingerprint(call: Call, request: HttpRequest): MatchKey;
  /** Turn a business reply (from a rule or the simulator) into a wire response. */
  encode(reply: BusinessReply, call: Call, request: HttpRequest): HttpResponse;
  /** Fit a recorded response to a live request (new ids, new signature). */
  adapt(recorded: Interaction, call: Call, request: HttpRequest): HttpResponse;
  /** What `adapt` reads of a recorded call, stored with the recording (Interaction.merchantIds). */
  merchantIds?(call: Call): Readonly<Record<string, string>>;
  sign(response: HttpResponse, call: Call): HttpResponse;
  verify(request: HttpRequest, call: Call): SignatureCheck;
}

/** What a rule or the simulator wants to say, before a dialect puts it on the wire. */
export interface BusinessReply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Business fields for Alipay dialects; for `http`, a string or a JSON value for the body. */
  readonly fields?: unknown;
  /** A gateway-level rejection instead of a business reply (legacy `<error>`, e.g. ILLEGAL_SIGN). */
  readonly gatewayError?: string;
}
