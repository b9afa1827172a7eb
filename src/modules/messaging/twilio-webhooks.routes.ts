import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { isUuid } from '../../db/tenant.ts';
import { AppError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/module.ts';
import { accountOfNumber } from '../phone-numbers/phone-numbers.service.ts';
import { callbackAnswered, callbackBridged, inboundDialed, receiveCall } from './calls.service.ts';
import { callStatus, messageStatus } from './delivery-reports.service.ts';
import { receiveSms } from './inbound-sms.service.ts';
import type { TelephonyDeps } from './telephony.ts';

/**
 * Twilio's webhooks: `POST /webhooks/twilio/sms` (a text to one of an account's numbers),
 * `/voice` (a call to one, and the later steps of calls: the forwarded leg's outcome, the
 * voice callback's key press and bridge) and `/status` (delivery and call progress reports).
 *
 * Each request must carry a valid `X-Twilio-Signature`: HMAC-SHA1, keyed with the auth token,
 * over the URL Twilio called and the posted fields (checked with the official SDK's
 * validateRequest). The URL is rebuilt from PUBLIC_URL, not from the request's Host, so behind
 * a proxy it is the public one, and a request signed for http:// does not pass on https://.
 * A bad or missing signature answers 403 and nothing is written. A number no account has, or a
 * step naming a call the account does not have, answers 404.
 *
 * The auth token is the platform's (TWILIO_AUTH_TOKEN); with the dev SMS provider there is no
 * token, so every request is refused.
 */

type Fields = Record<string, string>;

const E164 = /^\+[1-9]\d{7,14}$/;
const SID = /^[A-Z]{2}[0-9a-f]{32}$/;

function field(fields: Fields, name: string, pattern?: RegExp): string {
  const value = fields[name];
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) {
    throw new AppError('bad_request', 'TWILIO_FIELD_INVALID', `${name} is missing or malformed`, [
      { path: `body.${name}`, message: 'is missing or malformed' },
    ]);
  }
  return value;
}

const seconds = (value: string | undefined) => {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 0 ? n : null;
};

function twiml(reply: FastifyReply, xml: string) {
  return reply.type('text/xml; charset=utf-8').send(xml);
}

const notFound = () => new AppError('not_found', 'NOT_FOUND', 'Not found');

export async function registerTwilioWebhookRoutes(app: FastifyInstance, deps: ModuleDeps): Promise<void> {
  const authToken = deps.config.sms.twilio.authToken;
  const telephony: TelephonyDeps = {
    db: deps.db,
    jobs: deps.jobs,
    publicUrl: deps.config.publicUrl,
    baseUrl: deps.config.baseUrl,
    emailFrom: deps.config.emailFrom,
  };

  /** The signature check; the fields as posted when it passes. */
  function verified(request: FastifyRequest): Fields {
    const signature = request.headers['x-twilio-signature'];
    const fields = (request.body ?? {}) as Fields;
    const url = `${deps.config.publicUrl}${request.url}`;
    if (
      !authToken ||
      typeof signature !== 'string' ||
      !twilio.validateRequest(authToken, signature, url, fields)
    ) {
      request.log.warn({ path: request.routeOptions.url }, 'twilio webhook with a bad signature');
      throw new AppError('forbidden', 'TWILIO_SIGNATURE_INVALID', 'The request is not signed by Twilio');
    }
    return fields;
  }

  /** The account named by a step's query (`account`, and `call` or `message`), as uuids. */
  function named(request: FastifyRequest, key: 'call' | 'message'): { accountId: string; id: string } | null {
    const query = request.query as Record<string, unknown>;
    const accountId = query.account;
    const id = query[key];
    return isUuid(accountId) && isUuid(id) ? { accountId, id } : null;
  }

  async function routed(to: string): Promise<string> {
    const accountId = await accountOfNumber(deps.db, to);
    if (!accountId) throw notFound();
    return accountId;
  }

  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        // Object.fromEntries defines own properties: a `__proto__` field is just a field.
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    const options = { config: { auth: 'public' as const, csrf: false }, schema: { hide: true } };

    scope.post('/webhooks/twilio/sms', options, async (request, reply) => {
      const fields = verified(request);
      const sms = {
        messageSid: field(fields, 'MessageSid', SID),
        from: field(fields, 'From', E164),
        to: field(fields, 'To', E164),
        body: fields.Body ?? '',
      };
      return twiml(reply, await receiveSms(telephony, await routed(sms.to), sms));
    });

    scope.post('/webhooks/twilio/voice', options, async (request, reply) => {
      const fields = verified(request);
      const callSid = field(fields, 'CallSid', SID);
      const step = (request.query as Record<string, unknown>).step;
      if (step === undefined) {
        const call = { callSid, from: field(fields, 'From', E164), to: field(fields, 'To', E164) };
        return twiml(reply, await receiveCall(telephony, await routed(call.to), call));
      }
      const target = named(request, 'call');
      if (!target) throw notFound();
      const dial = {
        callSid,
        dialStatus: fields.DialCallStatus ?? '',
        dialSeconds: seconds(fields.DialCallDuration),
      };
      let answer: string | null = null;
      if (step === 'dialed') answer = await inboundDialed(telephony, target.accountId, target.id, dial);
      if (step === 'callback') {
        answer = await callbackAnswered(telephony, target.accountId, target.id, {
          callSid,
          digits: fields.Digits ?? '',
        });
      }
      if (step === 'bridged') answer = await callbackBridged(telephony, target.accountId, target.id, dial);
      if (answer === null) throw notFound();
      return twiml(reply, answer);
    });

    scope.post('/webhooks/twilio/status', options, async (request, reply) => {
      const fields = verified(request);
      const message = named(request, 'message');
      const call = named(request, 'call');
      let known = false;
      if (message) {
        known = await messageStatus(telephony, message.accountId, message.id, {
          messageSid: field(fields, 'MessageSid', SID),
          status: field(fields, 'MessageStatus', /^[a-z-]{2,20}$/),
          errorCode: /^\d{1,6}$/.test(fields.ErrorCode ?? '') ? fields.ErrorCode! : null,
        });
      } else if (call) {
        known = await callStatus(telephony, call.accountId, call.id, {
          callSid: field(fields, 'CallSid', SID),
          status: field(fields, 'CallStatus', /^[a-z-]{2,20}$/),
          durationSeconds: seconds(fields.CallDuration),
        });
      }
      if (!known) throw notFound();
      return reply.code(204).send();
    });
  });
}
