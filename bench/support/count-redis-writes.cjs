// Preloaded (`node --require`) into a process by the bench (the intake's server) and bench/drain.sh
// (the worker): counts the socket writes (round trips, as the client sees them) and bytes this
// process sends to Redis. Prints them at exit; on SIGUSR2 writes them to COUNT_REDIS_WRITES_FILE
// (`<sequence> <writes> <bytes>`), so a bench can read the count before and after a measured run.
const fs = require('node:fs');
const net = require('node:net');
const port = Number(new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379').port || 6379);
const counts = { writes: 0, bytes: 0, sequence: 0 };
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function countedWrite(chunk, ...rest) {
  if (this.remotePort === port) {
    counts.writes += 1;
    counts.bytes += chunk.length; // characters for a string: bytes when ASCII; Buffer.byteLength would flatten and scan it again
  }
  return write.call(this, chunk, ...rest);
};
process.on('exit', () => fs.writeSync(2, `redis-writes ${counts.writes} ${counts.bytes}\n`));
process.on('SIGUSR2', () => {
  counts.sequence += 1;
  const file = process.env.COUNT_REDIS_WRITES_FILE;
  if (file) fs.writeFileSync(file, `${counts.sequence} ${counts.writes} ${counts.bytes}`);
});
