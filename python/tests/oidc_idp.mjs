// A real OIDC provider (testkit's, on node-oidc-provider) for the Python tests: prints
// {issuer, audience, token} for client `dana` as one JSON line and runs until stdin closes.
import { startOidcProvider } from '@latch/testkit/oidc-provider'

const idp = await startOidcProvider({
  clients: [
    { clientId: 'dana', email: 'dana@example.com', emailVerified: true, subject: 'dana-1' },
  ],
})
const token = await idp.mintToken('dana')
process.stdout.write(`${JSON.stringify({ issuer: idp.issuer, audience: idp.audience, token })}\n`)
process.stdin.resume()
process.stdin.on('end', async () => {
  await idp.close()
  process.exit(0)
})
