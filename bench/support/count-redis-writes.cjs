// Preloaded (`node --require`) into a worker by bench/drain.sh: counts the socket writes (round
// trips, as the client sees them) and bytes this process sends to Redis, and prints them at exit.
const net = require('node:net');
const port = Number(new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379').port || 6379);
const counts = { writes: 0, bytes: 0 };
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function countedWrite(chunk, ...rest) {
  if (this.remotePort === port) {
    counts.writes += 1;
    counts.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  }
  return write.call(this, chunk, ...rest);
};
process.on('exit', () => {
  require('node:fs').writeSync(2, `redis-writes ${counts.writes} ${counts.bytes}\n`);
});
