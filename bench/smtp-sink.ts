// An SMTP listener as its own process (so its CPU is not the load generator's): accepts every
// message and counts them; `GET /count` on the control port answers the count.
// Prints `ready <smtpPort> <controlPort>` once listening.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let received = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
const control = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ received }));
});

smtp.listen(0, '127.0.0.1', () => {
  control.listen(0, '127.0.0.1', () => {
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    const controlPort = (control.address() as AddressInfo).port;
    process.stdout.write(`ready ${smtpPort} ${controlPort}\n`);
  });
});
const stop = () => smtp.close(() => control.close(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
