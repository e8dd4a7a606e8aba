// send_events.mjs: a product session of three users, sent by Segment's own
// Node.js client (@segment/analytics-node, pinned in tests/segment/) to a
// Segment-compatible endpoint: node send_events.mjs http://127.0.0.1:PORT WRITE_KEY
//   u-1 (Acme): signs up, creates a project (activated), invites 3 people (team_growing)
//   u-2 (Globex): signs up, looks at pricing, nothing else yet
//   u-3 (Initech): signs up, creates a project (activated), invites 1 person
import { createRequire } from 'node:module'
const require = createRequire(new URL('../../tests/segment/package.json', import.meta.url))
const { Analytics } = require('@segment/analytics-node')

const [host, writeKey] = process.argv.slice(2)
if (!host || !writeKey) {
  console.error('usage: node send_events.mjs http://HOST:PORT WRITE_KEY')
  process.exit(2)
}
const analytics = new Analytics({ writeKey, host, flushAt: 10, flushInterval: 200 })
let failed = 0
analytics.on('error', (e) => { failed++; console.error('segment client error:', e?.reason?.message ?? e) })

const users = [
  { id: 'u-1', account: 'acct-1', email: 'ada@acme.example', name: 'Ada', invites: 3, project: true },
  { id: 'u-2', account: 'acct-2', email: 'bob@globex.example', name: 'Bob', invites: 0, project: false },
  { id: 'u-3', account: 'acct-3', email: 'cy@initech.example', name: 'Cy', invites: 1, project: true },
]
const start = Date.parse('2026-11-30T09:00:00.000Z')
let n = 0
const at = (minutes) => new Date(start + minutes * 60000)
for (const [i, u] of users.entries()) {
  const context = { groupId: u.account, traits: { email: u.email, name: u.name } }
  const base = i * 100
  const id = (what) => `${u.id}-${what}-${++n}`
  analytics.page({ messageId: id('page'), anonymousId: `anon-${u.id}`, name: 'Pricing', timestamp: at(base),
    properties: { path: '/pricing' } })
  analytics.identify({ messageId: id('identify'), userId: u.id, timestamp: at(base + 1), context,
    traits: { email: u.email, name: u.name, created_at: at(base + 1).toISOString() } })
  analytics.alias({ messageId: id('alias'), previousId: `anon-${u.id}`, userId: u.id, timestamp: at(base + 1) })
  analytics.group({ messageId: id('group'), userId: u.id, groupId: u.account, timestamp: at(base + 2), traits: {} })
  analytics.track({ messageId: id('track'), userId: u.id, event: 'Signed Up', timestamp: at(base + 2), context })
  if (u.project)
    analytics.track({ messageId: id('track'), userId: u.id, event: 'Project Created', timestamp: at(base + 10), context,
      properties: { project_id: `p-${u.id}`, template: 'kanban' } })
  for (let k = 0; k < u.invites; k++)
    analytics.track({ messageId: id('track'), userId: u.id, event: 'Invite Sent', timestamp: at(base + 20 + k * 60 * 24), context,
      properties: { invitee: `friend${k}@${u.account}.example` } })
}
await analytics.closeAndFlush({ timeout: 20000 })
if (failed) process.exit(1)
console.log(`sent ${n} events for ${users.length} users`)
