// Package bunstore stores the engine's data in MySQL or a MySQL-compatible
// database (MariaDB 10.11 and MySQL 8 are tested for) through bun.
//
//	db, err := bunstore.Open("shop:secret@tcp(127.0.0.1:3306)/shop")
//	...
//	defer db.Close()
//	store, err := bunstore.New(ctx, db, nil)
//	...
//	products := catalog.NewService(store.Catalog(), nil)
//	carts := cart.NewService(store.Carts(), store.Catalog(), nil)
//	users := account.NewService(store.Accounts(), sessions.Sessions(), sessions.Attempts(),
//		&account.Options{GuestCarts: carts}) // a guest's cart merges at sign-in
//	orders := order.NewService(store.Orders(), store.Transactor(), nil)
//	notices := board.NewService(store.Board(), nil)
//
// The store holds the catalog ([Store.Catalog]) and its stock
// ([Store.Stock]), the users with their external identities
// ([Store.Accounts]), the notice board ([Store.Board]), carts
// ([Store.Carts]), orders and address books ([Store.Orders]), and the
// outbox of domain events ([Store.Outbox]), and runs checkouts and status
// changes in MySQL transactions ([Store.Transactor]).
// Sessions, the counters that throttle sign-in and sign-up, and Google and
// Kakao sign-ins in progress are not kept in MySQL: take them from
// redisstore (sessions above), or from memstore in a single process.
//
// # Opening the database
//
// [New] takes a *bun.DB that the caller owns and never closes it. [Open]
// makes one from a DSN with everything the Store needs: utf8mb4 on the
// connection, a strict sql_mode, times in UTC, interpolated parameters and
// a bounded pool. A *bun.DB made some other way works too, as long as its
// session passes the checks New makes; New says what is wrong and how to
// fix it when it does not. A server that does not answer is
// commerce.ErrUnavailable, worth waiting for; one that refuses the user,
// the password or the database is [ErrDenied], which no wait cures.
//
// # Schema and migrations
//
// The schema comes with the package as SQL files (migrations/*.sql) that
// New applies, recording them in the commerce_migrations table. A named
// lock (GET_LOCK) lets several servers start at once: one migrates while
// the others wait, and a process that dies while migrating releases the
// lock with its connection. Deployments that migrate in a separate step
// set Options.SkipMigrations. README.md shows the whole schema.
// [Store.Exclusive] gives other start-up work the same kind of lock.
//
// Ids are UUIDv7 in BINARY(16) columns, so the primary key orders rows by
// creation and "newest first" is a backward index scan; paging is keyset
// (id < cursor), never OFFSET — except on the notice board, whose readers
// expect numbered pages of ten. Money is a DECIMAL(19,4) amount and a
// CHAR(3) currency, read back in canonical form; times are DATETIME(6) in
// UTC.
//
// # Reads
//
// Every read fills in the names it refers to by a join in the same query:
// a page of products with their brands' names is one query, a brand with
// its problem's name is one, and catalog.Service.Brand (a brand and its
// products) costs two, whatever the number of products. A user comes with
// its interests in one query (a left join, so there is no limit on their
// number), and FindTaken asks about a username, a nickname and an email in
// one. A cart's lines with their products and brands' names are one query;
// an order and its lines two; a page of orders two (the page, then the
// lines of all its orders); a page of the board three (the pinned posts,
// the page, the total).
//
// # Transactions
//
// [Store.Transactor] runs a checkout or a status change as one MySQL
// transaction on one connection, whose order.Tx hands out the store's
// repositories on that transaction (of the catalog, a read of products and
// the stock changes only). Every statement of it, COMMIT included, is
// bounded by the caller's context, so nothing commits after a deadline.
// Stock is taken in product-id order by a
// conditional update (stock >= n), never below zero; when it changes no
// row, a locking read tells a missing product from untracked or
// insufficient stock. A cart's changes are serialised by a lock on the
// cart's row (INSERT … ON DUPLICATE KEY UPDATE, which creates or locks it),
// so concurrent adds to one cart never lose an update, while changes of
// different carts take no lock in common. Outside a transaction, a cart
// change or an order with its lines is a transaction of its own; inside
// one, it runs on it.
//
// Every transaction of the store — a checkout, a cart change, a catalog
// or account write of several statements — runs under one retry policy: a
// transaction that InnoDB aborts with a deadlock (1213) or a lock wait
// timeout (1205) is rolled back and run again, after a random pause below
// a ceiling that doubles each time (4, 8, 16, …, 256 ms), up to eight runs
// in all and never past the context's end; then it fails with
// commerce.ErrUnavailable. No other error runs a transaction again: after
// a lost connection a COMMIT may have gone through. So the functions given
// to Transactor.InTx and cart Update may run more than once. Every
// statement of a transaction runs on its one connection, so a transaction
// never waits for a second connection while it holds one and concurrent
// checkouts cannot starve the pool.
//
// # Outbox
//
// The writes that the repository interfaces name — CreateProduct,
// UpdateProduct and DeleteProduct, the stock take, CreateUser, CreateOrder
// and SetStatus, CreatePost — store the domain events their context carries
// (commerce.WithEvents) in the outbox_events table, in one multi-row INSERT
// in the write's own transaction: inside an order.Tx, that transaction's.
// The events commit with the change or not at all. Each run of a
// transaction stores them under an identity of its own
// (commerce.EventsToStore), so a run after a deadlock stores them again,
// and no write stores them again once a run has committed. A write that is
// otherwise one statement becomes a transaction of its statement and the
// INSERT when its context carries events.
//
// [Store.Outbox] is the outbox.Store that package outbox's relays read. A
// claim is a READ COMMITTED transaction on a connection of its own: SELECT
// … FOR UPDATE SKIP LOCKED takes the oldest unsent events that no other
// claim holds, and a plain read, which sees the rows other claims lock,
// leaves out every event whose aggregate has an earlier unsent event that
// the batch does not hold, so that an aggregate's events go out in order.
// READ COMMITTED keeps the claim's locks on its rows and off the gap where
// writes insert new events, so no write waits for a relay. The transaction
// stays open until Sent (UPDATE … SET sent_at, COMMIT) or Release
// (ROLLBACK); when the claim's context ends, or the relay dies, the
// connection closes and the server rolls back, and the events go to the
// next claim. Prune deletes sent events in bounded DELETE … LIMIT
// statements, also at READ COMMITTED. Claims and pruning wait for no lock,
// so they do not go through the retry policy above.
//
// # Search
//
// Product and brand rows keep name_key, catalog.SearchKey of the name,
// written by the application on every write in a column with a binary
// collation. The rule (catalog.ParseSearch: every word in the name or the
// brand's name, spaces ignored) is one that neither MariaDB's nor MySQL's
// full-text index can serve for Korean, so the store keeps the index of
// package catalog/searchindex: products.seq numbers the products, and
// search_sets holds, per gram and chunk of 65,536 seqs, the set of the seqs
// that have the gram, as a serialized Roaring bitmap. A search reads its
// grams' sets of the newest chunk in one query, intersects them, loads the
// candidates by seq and keeps what the rule matches; older chunks are read
// only while the page is not full, in windows of 2, 4, 8, … chunks. The sets change in
// the transaction of every product write and of a brand's rename or
// deletion; RebuildSearch builds them afresh, and a migration runs it once.
// README.md and docs/PERFORMANCE.md say what it costs.
//
// # Accounts
//
// Usernames, nicknames and emails are unique by commerce.Fold of their
// value, which the store writes beside each in a key column with a binary
// collation and a unique index; an empty value has a NULL key, so any number
// of users may have no email. The unique indexes, not the service's checks,
// decide a race: of concurrent sign-ups with one username exactly one is
// stored and the others get an *account.TakenError naming the username.
// CreateUser writes the user, its interests and its identity in one
// transaction, UpdateUser the user (if its version is the one expected) and
// its interests in another. Interests reference problems ON DELETE CASCADE,
// so a deleted problem leaves everyone's interests.
//
// # Errors
//
// Database errors come back as the engine's kinds and the domain's own
// errors: a duplicate key is catalog.ErrDuplicateID (board.ErrDuplicateID
// for a post, order.ErrDuplicateKey or order.ErrDuplicateNumber for an
// order), a missing referenced row catalog.ErrProblemNotFound or
// catalog.ErrBrandNotFound (board.ErrAuthorNotFound for a post's author,
// cart.ErrProductNotFound for a cart line), a problem
// that brands still use catalog.ErrProblemInUse, a taken username,
// nickname or email an *account.TakenError naming it, a linked identity
// account.ErrIdentityTaken or account.ErrProviderLinked (read from the
// index the duplicate-key error names, in MySQL's and MariaDB's wording
// and in any language), an interest naming no problem
// account.ErrUnknownInterest, a value too long for its
// column commerce.ErrInvalid, and a refused or lost connection, a timeout
// or a deadlock commerce.ErrUnavailable. A call whose context ended —
// before it, while it waited for a connection or a lock, or inside a
// transaction, which then does not commit — fails with an error that wraps
// commerce.ErrUnavailable and the context's own error, as in every
// adapter. The driver's error types never reach the caller; its messages
// are kept as text.
//
// # Read replicas
//
// Options.Replicas gives the Store read replicas of its database, opened
// as the primary is ([OpenReplicas], or [Open] of each DSN). A read goes
// to a replica only when its context allows it — the caller marks a
// request with commerce.AllowStaleReads: a GET by a visitor or a
// customer that writes nothing, never a staff member's request nor one
// that writes — and only for the reads that may be a little stale: the
// catalog's lookups and lists of problems, brands and products, its
// searches (and so Suggest), and the board's posts; and only outside a
// transaction. Carts, orders and addresses, accounts, the outbox,
// webhooks, stock, the imports' reads, ImageURLs, every read inside a
// transaction or of a context that carries events, and every write go to
// the primary, so a customer reads their own cart, orders and profile
// right after changing them, whatever the context says.
//
// The services' reads on the way to a write — catalog.Service's and
// board.Service's edits read the record they change; a cart's add reads
// the product — come from a replica if their context allows it, so a
// caller must not mark a request that writes. The versions the writes
// check (UPDATE … WHERE version = ?) keep a stale read from undoing a
// change, but the edit would then fail with a version conflict, and the
// record it returns could be the replica's older one.
//
// A monitor checks every replica each second until [Store.Close]: it must
// answer a ping, and SHOW REPLICA STATUS (SHOW SLAVE STATUS on MySQL
// before 8.0.22 and MariaDB before 10.5) must show both replication
// threads running and a Seconds_Behind_Master (Seconds_Behind_Source) of
// at most Options.MaxReplicaLag, DefaultMaxReplicaLag (5s) by default;
// the replica's user needs REPLICA MONITOR (MariaDB) or REPLICATION
// CLIENT (MySQL). The healthy replicas take the reads in turn; with none
// healthy, the reads go to the primary, and no caller sees an error. A
// read that fails on a replica runs again on the primary, once, and one
// that lost its connection marks the replica down until the monitor finds
// it healthy again; a lookup by id that a replica does not find is asked
// of the primary too, since the record may be newer than the replica.
// [Store.ReplicaStats] reports each replica's health, lag and reads, and
// the reads that went to the primary.
//
// # Observability
//
// Log, trace or count queries with bun's own hooks (bun.QueryHook) on the
// *bun.DB; the Store logs nothing.
package bunstore
