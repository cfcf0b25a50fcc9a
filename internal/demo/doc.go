// Package demo is the demo catalog of the reference server: the shop's five
// social problems, the brands that work on them and their products, all in
// Korean, with KRW prices.
//
// # Loading
//
// [Load] creates everything through catalog.Service, so the demo passes the
// same validation as any staff edit, and it works on every storage adapter.
// It does nothing when the catalog already has problems, so a server that
// restarts with the demo switched on never duplicates it.
//
// # Search
//
// The names are chosen so that search can be tried at once: "사과" finds
// several products by their own names (유기농사과잼, 사과즙, 사과파이, …)
// and one only by its brand's name (사과꽃농원), and "할머니" finds the
// products of 할머니손맛 although none of them is named so.
//
// # Images
//
// Two products have no image, so the catalog's placeholder shows; the
// others, the brand logos and the problems' pictures point at
// root-relative paths under /static/demo/. [Images] holds those files, for
// a server to serve under /static/.
package demo
