import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { messagesDoor } from '../doors/messages/messages-door.js';
import { createContext, type RequestContext } from '../gateway/context.js';
import type { Gateway } from '../gateway/create-gateway.js';
import { serveDoor } from './door-route.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The real door route on a loopback port, over a gateway whose pipeline settled the request as `settle` says. */
async function answerHeadersFor(settle: (ctx: RequestContext) => void): Promise<Headers> {
  const ctx = createContext({ id: 'req-1', operation: 'chat', request: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] } });
  ctx.provider = 'anthropic';
  settle(ctx);
  const gateway = {
    config: { server: { max_body_bytes: 1024 } },
    callDoor: async () => ({ ctx, json: { ok: true } }),
  } as unknown as Gateway;
  const server = createServer((req, res) => void serveDoor(messagesDoor, req, res, gateway, 'req-1'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, { method: 'POST', body: '{}' });
  expect(response.status).toBe(200);
  return response.headers;
}

const savingsHeaders = (headers: Headers) => [headers.get('x-tokenpak-cost-usd'), headers.get('x-tokenpak-saved-usd'), headers.get('x-tokenpak-saved-tokens')];

describe('the answer headers of a door route', () => {
  it('carry what the request saved beside what it cost, formatted alike', async () => {
    const headers = await answerHeadersFor((ctx) => {
      ctx.cost = 0.000573;
      ctx.savedUsd = 0.002430000000000001;
      ctx.savedTokens = 900;
    });
    expect(savingsHeaders(headers)).toEqual(['0.000573', '0.00243', '900']);
  });

  it('carry a negative saving: a turn that only wrote a prompt cache paid the write premium', async () => {
    const headers = await answerHeadersFor((ctx) => {
      ctx.cost = 0.00375;
      ctx.savedUsd = -0.00075;
    });
    expect(savingsHeaders(headers)).toEqual(['0.00375', '-0.00075', '0']);
  });

  it('carry the saved tokens alone when the model has no price', async () => {
    const headers = await answerHeadersFor((ctx) => {
      ctx.cost = null;
      ctx.savedUsd = null;
      ctx.savedTokens = 40;
    });
    expect(savingsHeaders(headers)).toEqual([null, null, '40']);
  });

  it('carry no savings before they are settled', async () => {
    const headers = await answerHeadersFor((ctx) => {
      ctx.cost = 0.001;
    });
    expect(savingsHeaders(headers)).toEqual(['0.001', null, null]);
  });

  it('show a response-cache hit saving nothing of its own: its cost (0) is what the cache spared', async () => {
    const headers = await answerHeadersFor((ctx) => {
      ctx.cacheStatus = 'hit';
      ctx.cost = 0;
      ctx.savedTokens = 500;
    });
    expect(savingsHeaders(headers)).toEqual(['0', '0', '0']);
  });
});
