// Package bunstore stores the engine's data in MySQL or a MySQL-compatible
// database (MariaDB 10.11 and MySQL 8 are tested for) through bun.
//
//	db, err := bunstore.Open("shop:secret@tcp(127.0.0.1:3306)/shop")
//	...
//	defer db.Close()
//	store, err := bunstore.New(ctx, db, nil)
//	...
//	products := catalog.NewService(store.Catalog(), nil)
//
// # Opening the database
//
// [New] takes a *bun.DB that the caller owns and never closes it. [Open]
// makes one from a DSN with everything the Store needs: utf8mb4 on the
// connection, a strict sql_mode, times in UTC, interpolated parameters and
// a bounded pool. A *bun.DB made some other way works too, as long as its
// session passes the checks New makes; New says what is wrong and how to
// fix it when it does not.
//
// # Schema and migrations
//
// The schema comes with the package as SQL files (migrations/*.sql) that
// New applies, recording them in the commerce_migrations table. A named
// lock (GET_LOCK) lets several servers start at once: one migrates while
// the others wait, and a process that dies while migrating releases the
// lock with its connection. Deployments that migrate in a separate step
// set Options.SkipMigrations. README.md shows the whole schema.
//
// Ids are UUIDv7 in BINARY(16) columns, so the primary key orders rows by
// creation and "newest first" is a backward index scan; paging is keyset
// (id < cursor), never OFFSET. Money is a DECIMAL(19,4) amount and a
// CHAR(3) currency; times are DATETIME(6) in UTC.
//
// # Reads
//
// Every read fills in the names it refers to by a join in the same query:
// a page of products with their brands' names is one query, a brand with
// its problem's name is one, and catalog.Service.Brand (a brand and its
// products) costs two, whatever the number of products.
//
// # Search
//
// Product and brand rows keep name_key, catalog.SearchKey of the name,
// written by the application on every write in a column with a binary
// collation. A search is LIKE '%query%' on those keys, with % and _ in the
// query escaped, so MySQL matches exactly the products the in-memory store
// matches — Korean substrings included, which neither MariaDB's nor MySQL's
// full-text index can find. LIKE with a leading % scans the table; that is
// fine for a shop's catalog of thousands of products.
//
// # Errors
//
// Database errors come back as the engine's kinds and the domain's own
// errors: a duplicate key is catalog.ErrDuplicateID, a missing referenced
// row catalog.ErrProblemNotFound or catalog.ErrBrandNotFound, a problem
// that brands still use catalog.ErrProblemInUse, a value too long for its
// column commerce.ErrInvalid, and a refused or lost connection, a timeout
// or a deadlock commerce.ErrUnavailable. The driver's error types never
// reach the caller; its messages are kept as text.
//
// # Observability
//
// Log, trace or count queries with bun's own hooks (bun.QueryHook) on the
// *bun.DB; the Store logs nothing.
package bunstore
