// Package redisstore keeps the account package's sessions
// (account.SessionStore, which is also the account.SignInStateStore of
// sign-ins with Google and Kakao in progress) and the counters that
// throttle sign-in and sign-up (account.AttemptStore) in Redis, through
// go-redis. Every server
// of a shop that shares the Redis sees the same sessions and the same
// limits.
// Users and everything else live in another adapter (bunstore, memstore).
//
//	rdb, err := redisstore.NewClient("redis://127.0.0.1:6379/0")
//	...
//	defer rdb.Close()
//	store := redisstore.New(rdb, nil)
//	accounts := account.NewService(users, store.Sessions(), store.Attempts(), nil)
//
// # Keys
//
// Every key starts with Options.Prefix ("commerce:" by default):
//
//	<prefix>session:<id>             hash: user, staff, created, seen, idle, expires
//	<prefix>user-sessions:<userID>   sorted set: session id → its ExpiresAt (Unix ms)
//	<prefix>attempts:<key>           string: attempts in the current window
//	<prefix>signin-state:<state>     string: a sign-in with Google or Kakao in progress
//
// A session's id is the hex SHA-256 of its token, so Redis never holds a
// token that works. Times are Unix microseconds, the precision every
// adapter keeps; a session reads back exactly as it was written, in UTC.
// README.md describes each field.
//
// # Expiry
//
// Redis deletes what has ended by itself. A session's key expires at the
// session's End (the earlier of its idle and absolute expiry, rounded up to
// the millisecond); TouchSession moves that expiry, in a Lua script that
// first checks that the session still exists, so a touch never brings
// back a session that expired or was deleted. GetSession and TouchSession
// also treat a session that has ended by Options.Now as gone, so that a
// Redis clock behind the servers' never lengthens a session.
//
// A signed-in user's sessions are listed in the user's sorted set, scored
// by their absolute expiry, which no touch moves: DeleteUserSessions (a
// password change, a change of the staff flag) reads it, and writes to it prune
// the ids whose absolute expiry has passed. The set expires with its
// longest-lived member. Guest sessions are in no set.
//
// A throttling window is a counter whose key expires when the window
// ends: the first failure sets the expiry, later ones only count.
//
// # Failing fast
//
// A Redis outage fails closed, and quickly: an error wrapping
// commerce.ErrUnavailable within half a second, which the account service
// passes on (a server answers 503) instead of letting anyone in. Two
// things bound the wait. Each call of the Store runs under
// Options.Timeout (DefaultTimeout, 400ms); and NewClient makes a client
// with short dial, read, write and pool timeouts, one retry, and
// ContextTimeoutEnabled, which lets that deadline cut a hanging read
// short; so do NewClusterClient and NewFailoverClient. A client made some
// other way should set the same.
//
// # Redis Cluster and Sentinel
//
// New takes a redis.UniversalClient, so a single node, a Sentinel-managed
// primary and a Redis Cluster all work. NewClient, NewClusterClient and
// NewFailoverClient make each from a URL (the forms of go-redis's
// ParseURL, ParseClusterURL and ParseFailoverURL), with the same
// fail-fast settings:
//
//	redisstore.NewClient("redis://10.0.0.1:6379/0")
//	redisstore.NewClusterClient("redis://10.0.0.1:6379?addr=10.0.0.2:6379&addr=10.0.0.3:6379")
//	redisstore.NewFailoverClient("redis://10.0.0.1:26379/0?master_name=mymaster&addr=10.0.0.2:26379")
//
// Every command, script and transaction touches one key, so none ever
// spans two hash slots and the keys need no hash tags: a session and its
// user's index may live on different nodes, and the Store keeps them
// consistent by the order of its writes (the index first on creation,
// the session first on deletion), never by a multi-key script. Reads go
// to primaries; the constructors refuse the URL parameters that would
// send them to replicas, which could miss a session created a moment
// before. When a node fails, the calls whose keys it held fail closed
// until a replica takes over. Redis replicates asynchronously, so a
// failover can lose the last writes the old primary acknowledged, a
// sign-out included; README.md says more.
//
// # Errors
//
// A missing session is account.ErrSessionNotFound. Anything else that goes
// wrong — a refused or lost connection, a timeout, a cancelled context, a
// Redis error reply, a value the Store did not write — is an error
// wrapping commerce.ErrUnavailable. When the call's context ended — the
// caller's, or Options.Timeout passed — before the call or while it waited
// for Redis, the error also wraps context.Canceled or
// context.DeadlineExceeded, as in every adapter of the engine. go-redis's
// error types never reach the caller; their messages are kept as text.
//
// # Observability
//
// Log, trace or count commands with go-redis's own hooks (redis.Hook,
// rdb.AddHook) on the client; the Store logs nothing.
package redisstore
