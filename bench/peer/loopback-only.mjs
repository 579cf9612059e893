// Preloaded into the peer gateway (node --import): a server that asks for no host listens on
// 127.0.0.1, so that the benchmark never opens a port beyond this machine.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'object' && args[0] !== null && !args[0].path) args[0] = { ...args[0], host: args[0].host ?? '127.0.0.1' };
  else if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  return listen.apply(this, args);
};
