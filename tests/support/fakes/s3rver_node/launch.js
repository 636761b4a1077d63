// Starts @20minutes/s3rver (an s3rver fork that verifies Signature V4) for the tests.
// Usage: node launch.js MODULE_DIR DATA_DIR BUCKET
// Listens on 127.0.0.1 on an ephemeral port and prints {"port": N} once it is listening;
// stops on SIGTERM or when standard input closes (so it never outlives the test run).
'use strict'

// SigV4 encodes every byte but A-Z a-z 0-9 - _ . ~ (RFC 3986). The fork builds its
// canonical query string with encodeURIComponent, which leaves ! ' ( ) * as they are, so a
// correctly signed URL whose query holds one of them (every download URL does:
// filename*=UTF-8''...) would be refused. Make encodeURIComponent strict, as S3 is.
const looseEncode = globalThis.encodeURIComponent
globalThis.encodeURIComponent = (value) =>
  looseEncode(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)

const [moduleDir, directory, bucket] = process.argv.slice(2)
const S3rver = require(moduleDir)

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket, configs: [] }],
})

function stop() {
  server.close().finally(() => process.exit(0))
}

server.run().then(
  (address) => {
    process.stdout.write(`${JSON.stringify({ port: address.port })}\n`)
    process.on('SIGTERM', stop)
    process.stdin.on('end', stop)
    process.stdin.resume()
  },
  (error) => {
    process.stderr.write(`${error.stack || error}\n`)
    process.exit(1)
  }
)
