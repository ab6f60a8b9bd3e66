package store

// integrationMigrations are the webhooks (rules and their delivery log, webhook.go) and the browser
// push subscriptions (push.go). The VAPID keys are a settings document in meta (setting:vapid).
var integrationMigrations = []string{
	`CREATE TABLE IF NOT EXISTS webhooks (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL DEFAULT '',
		url TEXT NOT NULL,
		secret TEXT NOT NULL,
		camera TEXT NOT NULL DEFAULT '',
		kind TEXT NOT NULL DEFAULT '',
		label TEXT NOT NULL DEFAULT '',
		min_score REAL NOT NULL DEFAULT 0,
		types TEXT NOT NULL DEFAULT 'new,end',
		enabled INTEGER NOT NULL DEFAULT 1,
		created_ns INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS webhook_deliveries (
		id INTEGER PRIMARY KEY,
		webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
		event_id INTEGER NOT NULL DEFAULT 0,
		event_type TEXT NOT NULL,
		test INTEGER NOT NULL DEFAULT 0,
		payload BLOB NOT NULL,
		state TEXT NOT NULL DEFAULT 'pending',
		attempts INTEGER NOT NULL DEFAULT 0,
		last_status INTEGER NOT NULL DEFAULT 0,
		error TEXT NOT NULL DEFAULT '',
		created_ns INTEGER NOT NULL,
		updated_ns INTEGER NOT NULL,
		next_ns INTEGER NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS webhook_deliveries_pending ON webhook_deliveries(state, next_ns)`,
	`CREATE INDEX IF NOT EXISTS webhook_deliveries_hook ON webhook_deliveries(webhook_id, id)`,
	`CREATE TABLE IF NOT EXISTS push_subscriptions (
		id INTEGER PRIMARY KEY,
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		endpoint TEXT NOT NULL UNIQUE,
		p256dh TEXT NOT NULL,
		auth TEXT NOT NULL,
		name TEXT NOT NULL DEFAULT '',
		cameras TEXT NOT NULL DEFAULT '',
		kinds TEXT NOT NULL DEFAULT '',
		labels TEXT NOT NULL DEFAULT '',
		quiet_s INTEGER NOT NULL DEFAULT 300,
		created_ns INTEGER NOT NULL
	)`,
}
