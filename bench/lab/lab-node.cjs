// The original lab's web node (simple-docker-cluster, 2014), kept as it was so the bench can
// compare against it: Express 4 and the callback-style `redis` client of its day (v3, the API
// the lab's `createClient(port, host)` / `client.incr('counter', cb)` were written for),
// `INCR counter`, the lab's sentence. Only the package names differ (aliases in package.json:
// lab-express, lab-redis) so that they do not clash with the project's own express 5.
// Not part of the project's apps: `npm run bench` starts it.
const express = require('lab-express');
const redis = require('lab-redis');

const { hostname, port } = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
const client = redis.createClient(port || '6379', hostname);

const app = express();
app.get('/', function (req, res, next) {
  client.incr('counter', function (err, counter) {
    if (err) return next(err);
    res.send('This page has been viewed ' + counter + ' times!');
  });
});

const listenPort = Number(process.env.PORT || 8080);
app.listen(listenPort, process.env.HOST || '0.0.0.0', function () {
  console.log('Listening on port ' + listenPort);
});
