// Package demo is the demo catalog of the reference server: the shop's five
// social problems, the brands that work on them and their products, all in
// Korean, with KRW prices.
//
// # Loading
//
// [Load] creates everything through catalog.Service, so the demo passes the
// same validation as any staff edit, and it works on every storage adapter.
// It does nothing when the catalog already has a problem, a brand or a
// product, so a server that restarts with the demo switched on never
// duplicates it, and a shop's own catalog never gets the demo.
// [LoadBoard] does the same for the notice board.
//
// # Several servers at once
//
// Servers that start together on one empty database would each find the
// catalog empty and each load the demo. So Load and LoadBoard make the
// check and the loading one section under a [Locker]: the store's
// Exclusive, which lets one caller at a time run under a name across every
// process that shares the storage — a named lock (GET_LOCK) of the
// database server for bunstore, a lock in the process for memstore. The
// first server loads; the others wait their turn, find a catalog and add
// nothing. No marker records that the demo was loaded: the check of an
// empty catalog, made under the lock, is the marker, and it needs no table
// of its own. The lock ends with its holder's connection, so a server that
// dies while loading leaves no stale lock, only the part of the demo it
// made (which the next server, seeing a catalog, leaves alone).
//
// # Search
//
// The names are chosen so that search can be tried at once: "사과" finds
// six products by their own names (유기농사과잼, 사과즙 30포, 통사과파이,
// …) and one, 아카시아 벌꿀, only by its brand's name (사과꽃농원), and
// "할머니" finds the products of 할머니손맛 although none of them is named
// so. Words may come in any order and with any spacing ("잼 사과", "사과 쨈"
// find 유기농사과잼); "ECO 스테인리스 빨대 세트" is found by a full-width "ＥＣＯ"
// and "Café 하우스 블렌드 원두 200g" by "cafe". testdata/judged-queries.tsv
// holds the queries a shopper would type and what each must find; a test
// checks them on every store.
//
// # Images
//
// Two products have no image, so the catalog's placeholder shows; the
// others, the brand logos and the problems' pictures point at
// root-relative paths under /static/demo/. [Images] holds those files, for
// a server to serve under /static/.
package demo
