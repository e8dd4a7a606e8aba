// send.mjs: Segment's official Node.js client (@segment/analytics-node,
// pinned in package.json) sends one of each call to a Segment-compatible
// endpoint, for tests/cli/t0106-segment-client.sh:
//   node send.mjs http://127.0.0.1:PORT WRITE_KEY [PATH_PREFIX]
// identify, track, page, screen, group and alias with known messageIds and
// timestamps (sentAt is the client's clock at flush, as in production),
// then closeAndFlush(). Exits 1 when the client reports an error.
import { Analytics } from '@segment/analytics-node'

const [host, writeKey, prefix = ''] = process.argv.slice(2)
if (!host || !writeKey) {
  console.error('usage: node send.mjs http://HOST:PORT WRITE_KEY [PATH_PREFIX]')
  process.exit(2)
}
const analytics = new Analytics({ writeKey, host, path: `${prefix}/v1/batch`, flushAt: 20, flushInterval: 100, maxRetries: 3 })
let failed = 0
analytics.on('error', (e) => { failed++; console.error('segment client error:', e?.reason?.message ?? e?.code ?? e) })

const t = (s) => new Date(`2026-01-02T03:04:${s}.000Z`)
const context = { ip: '203.0.113.7', locale: 'en-US', page: { path: '/pricing' } }
analytics.identify({ messageId: 'msg-identify-1', userId: 'u-1', timestamp: t('01'), context,
  traits: { email: 'ada@example.com', name: 'Ada', plan: 'trial' } })
analytics.track({ messageId: 'msg-track-1', userId: 'u-1', event: 'Project Created', timestamp: t('02'), context,
  properties: { project_id: 'p-1', template: 'blank', seats: 3 } })
analytics.page({ messageId: 'msg-page-1', anonymousId: 'anon-1', name: 'Pricing', category: 'Docs', timestamp: t('03'),
  properties: { url: 'https://example.com/pricing', title: 'Pricing' } })
analytics.screen({ messageId: 'msg-screen-1', userId: 'u-1', name: 'Dashboard', timestamp: t('04'),
  properties: { tab: 'overview' } })
analytics.group({ messageId: 'msg-group-1', userId: 'u-1', groupId: 'acct-1', timestamp: t('05'),
  traits: { name: 'Acme', employees: 42 } })
analytics.alias({ messageId: 'msg-alias-1', userId: 'u-1', previousId: 'anon-1', timestamp: t('06') })
await analytics.closeAndFlush({ timeout: 20000 })
if (failed) process.exit(1)
console.log('sent 6 messages')
