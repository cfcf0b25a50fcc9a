// Package catalogdata makes catalogs of any size for benchmarks and tests:
// the five social problems, brands and products with Korean names built
// from word lists, the same for the same size and seed on every machine.
// Nothing is stored in the repository; a catalog is made when it is asked
// for, and a product only when it is read ([Catalog.Product]), so a million
// products need no more memory than the caller keeps.
//
// # Names
//
// A food product is an optional adjective and origin, a base and a form
// written together, and a size: "유기농 제주 감귤청 500g". A raw-fruit
// product is an origin, a fruit and a weight: "청송 사과 5kg". A craft is a
// material and an item: "천연 쑥 비누", "업사이클 데님 에코백". Brands are a
// prefix and a kind: "늘봄농원", "푸른협동조합".
//
// # Search terms in known proportions
//
// The word lists are chosen so that a few queries match a known share of
// the catalog, whatever its size:
//
//   - [CommonTerm] ("선물세트") ends the name of 5% of the products;
//   - [RareTerm] ("흑마늘조청") names product i exactly when
//     i % 50,000 == 4,321: one product in 10,000, two in 100,000, twenty
//     in a million — fewer than a page of 20, so a search must look at
//     every candidate;
//   - [BrandTerm] ("협동조합") is in the name of every fifth brand, so it
//     finds their products (about 19% of the catalog) only through their
//     brands;
//   - [SyllableTerm] ("잼") is a one-syllable query, the form of a food
//     product in about 6% of the catalog;
//   - [MissTerm] ("딸기잼") matches nothing: no name has the syllable 딸;
//   - [HardMissTerm] ("사과 비누") matches nothing either, although each of
//     its words is common (사과 in about 8% of the names, 비누 in 2%): fruit
//     is never made into soap;
//   - [TwoTerms] ("사과 잼") finds apple jams, about 0.25% of the catalog,
//     and [ThreeTerms] ("제주 사과 5kg") raw apples of one origin and
//     weight, about 0.025%: queries of several common words.
//
// The package's tests check these proportions.
package catalogdata
