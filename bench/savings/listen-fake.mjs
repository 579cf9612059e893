/**
 * Starts a billing fake's server on 127.0.0.1 and hands back what the bench reads of it: what it received and
 * billed, and its virtual clock.
 * @template Bill
 * @param {import('node:http').Server} server
 * @param {{ received: Array<{ body: any; bill: Bill }>; billing: { now: number } }} fake
 * @param {number} [port]
 */
export async function listenFake(server, { received, billing }, port = 0) {
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  const { port: bound } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${bound}`,
    received,
    billing,
    /** @param {number} nowMs */
    setNow(nowMs) {
      billing.now = nowMs;
    },
    /** @returns {Promise<void>} */
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
