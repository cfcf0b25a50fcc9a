package catalogdata

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/catalog"
)

// Queries whose share of the catalog is known; see the package docs.
const (
	// CommonTerm ends the name of 5% of the products.
	CommonTerm = "선물세트"
	// RareTerm names product i when i%RarePeriod == RareOffset.
	RareTerm = "흑마늘조청"
	// BrandTerm is in the name of every fifth brand and of no product.
	BrandTerm = "협동조합"
	// SyllableTerm is a one-syllable query, a food product's form.
	SyllableTerm = "잼"
	// MissTerm is in no name: no name has the syllable 딸.
	MissTerm = "딸기잼"
	// HardMissTerm is in no name, though each of its words, and each pair
	// of letters in them, is common.
	HardMissTerm = "사과 비누"
	// TwoTerms finds the food products made of apple as jam: about 0.25%.
	TwoTerms = "사과 잼"
	// ThreeTerms finds the raw apples of one origin by one weight: about
	// 0.025%, each of its words common.
	ThreeTerms = "제주 사과 5kg"
)

// RarePeriod and RareOffset place RareTerm: product i has it exactly when
// i%RarePeriod == RareOffset.
const (
	RarePeriod = 50_000
	RareOffset = 4_321
)

// commonPercent is the chance, in percent, that a product's name ends in
// CommonTerm; brandlessPercent the chance that it has no brand.
const (
	commonPercent    = 5
	brandlessPercent = 5
)

// DefaultSeed is the seed the benchmarks use.
const DefaultSeed = 1

// start is the time of the first record: ids and times count from it, one
// millisecond per record, so ids ascend in the order records are made.
var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Catalog is a generated catalog of a given size. Its problems and brands
// are made by New; its products by Product, on demand.
type Catalog struct {
	// Problems are the shop's five social problems.
	Problems []catalog.Problem
	// Brands number one per hundred products, at least ten; every fifth
	// (index%5 == 0) has BrandTerm in its name.
	Brands []catalog.Brand

	size int
	seed uint64
}

// New returns the catalog of size products for seed.
func New(size int, seed uint64) *Catalog {
	if size < 0 {
		panic("catalogdata: negative size")
	}
	c := &Catalog{size: size, seed: seed}
	for k, p := range problems {
		at := c.at(int64(k))
		c.Problems = append(c.Problems, catalog.Problem{
			ID: c.id(int64(k)), Name: p[0], Summary: p[1],
			Description: p[1] + " 문제를 풀기 위해 일하는 브랜드들의 상품을 모았습니다.",
			ImageURL:    fmt.Sprintf("/static/problems/%d.jpg", k),
			CreatedAt:   at, UpdatedAt: at, Version: 1,
		})
	}
	n := max(10, size/100)
	for j := range n {
		r := c.rand(1<<40 + uint64(j))
		kind := pick(r, brandKinds)
		if j%5 == 0 {
			kind = BrandTerm
		}
		name := pick(r, brandPrefixes) + kind
		problem := c.Problems[j%len(c.Problems)]
		at := c.at(brandBase + int64(j))
		c.Brands = append(c.Brands, catalog.Brand{
			ID: c.id(brandBase + int64(j)), Name: name,
			Summary:  name + "는 " + problem.Name + " 문제를 풉니다.",
			Story:    "작은 마을에서 시작한 " + name + "의 이야기입니다.",
			LogoURL:  fmt.Sprintf("/static/brands/%d-logo.png", j),
			ImageURL: fmt.Sprintf("/static/brands/%d.jpg", j),
			Homepage: fmt.Sprintf("https://brand%d.example.com/", j),
			Problem:  problem.Ref(), CreatedAt: at, UpdatedAt: at, Version: 1,
		})
	}
	return c
}

// brandBase is the first brand's offset in milliseconds from start; the
// products follow the brands.
const brandBase = 1000

// Len returns the number of products.
func (c *Catalog) Len() int { return c.size }

// RareCount returns the number of products named with RareTerm.
func (c *Catalog) RareCount() int {
	n := c.size / RarePeriod
	if c.size%RarePeriod > RareOffset {
		n++
	}
	return n
}

// ProductID returns the id of product i without making the product. Ids
// ascend with i, and every product's id is above every brand's.
func (c *Catalog) ProductID(i int) uuid.UUID { return c.id(c.productOffset(i)) }

func (c *Catalog) productOffset(i int) int64 {
	return brandBase + int64(len(c.Brands)) + int64(i)
}

// Product returns product i, 0 ≤ i < Len(). The same i gives the same
// product; a new value is made on every call.
func (c *Catalog) Product(i int) catalog.Product {
	if i < 0 || i >= c.size {
		panic(fmt.Sprintf("catalogdata: product %d of %d", i, c.size))
	}
	r := c.rand(uint64(i))
	p := catalog.Product{ID: c.ProductID(i), Version: 1}
	p.CreatedAt = c.at(c.productOffset(i))
	p.UpdatedAt = p.CreatedAt
	if r.IntN(100) >= brandlessPercent {
		b := c.Brands[r.IntN(len(c.Brands))]
		p.Brand = b.Ref()
	}
	var name, what string
	switch k := r.IntN(100); {
	case i%RarePeriod == RareOffset:
		what = RareTerm
		name = pick(r, origins) + " " + RareTerm + " " + pick(r, foodSizes)
	case k < 60:
		base, form := pick(r, foodBases), pick(r, foodForms)
		what = base + form
		var parts []string
		if r.IntN(2) == 0 {
			parts = append(parts, pick(r, adjectives))
		}
		if r.IntN(5) < 3 {
			parts = append(parts, pick(r, origins))
		}
		name = strings.Join(append(parts, what, pick(r, foodSizes)), " ")
	case k < 75:
		what = pick(r, fruits)
		name = pick(r, origins) + " " + what + " " + pick(r, weights)
	default:
		what = pick(r, materials) + " " + pick(r, craftItems)
		name = what
		if r.IntN(2) == 0 {
			name = pick(r, craftPrefixes) + " " + name
		}
		if r.IntN(5) < 2 {
			name += " " + pick(r, colors)
		}
	}
	if r.IntN(100) < commonPercent {
		name += " " + CommonTerm
	}
	p.Name = name
	p.Description = "정성껏 만든 " + what + "입니다. 수익금의 일부는 사회 문제를 푸는 데 쓰입니다."
	p.Price = commerce.Money{Amount: decimal.NewFromInt(int64(1000 * (3 + r.IntN(78)))), Currency: "KRW"}
	images := r.IntN(4) // 0..3
	p.Images = make([]string, images)
	for k := range images {
		p.Images[k] = fmt.Sprintf("/static/products/%d-%d.jpg", i, k)
	}
	if r.IntN(5) < 4 {
		n := r.IntN(500)
		p.Stock = &n
	}
	return p
}

// rand returns the random source of one record: the catalog's seed and
// the record's stream, so that a record does not depend on the others.
func (c *Catalog) rand(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(c.seed, stream))
}

func (c *Catalog) at(ms int64) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }

// id returns the UUIDv7-shaped id of the record made ms milliseconds after
// start, laid out as commerce.SequentialIDs lays out its ids.
func (c *Catalog) id(ms int64) uuid.UUID {
	t := uint64(start.UnixMilli() + ms)
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[0:8], t<<16)
	id[6] = 0x70
	id[8] = 0x80
	binary.BigEndian.PutUint32(id[12:16], uint32(t))
	return id
}

func pick(r *rand.Rand, words []string) string { return words[r.IntN(len(words))] }

// The word lists. None has the syllable 딸 (MissTerm), RareTerm's pieces
// 흑마늘 and 조청, BrandTerm, CommonTerm or the letters 비누 outside
// craftItems; fruits and materials have nothing in common, so that
// HardMissTerm never occurs.
var (
	problems = [][2]string{
		{"장애인", "장애인의 일자리와 이동권"},
		{"환경", "쓰레기와 탄소를 줄이는 일"},
		{"고용", "일하고 싶은 사람에게 일자리를"},
		{"교육", "배움의 기회를 모두에게"},
		{"노인", "어르신의 소득과 돌봄"},
	}
	brandPrefixes = []string{
		"늘봄", "다온", "푸른", "바른", "행복한", "함께", "해뜨는", "소나무", "들꽃", "마을",
		"온새미로", "하늘", "새싹", "두레", "이음", "나눔", "별빛", "숲속", "바다", "은빛",
	}
	brandKinds = []string{
		"농원", "공방", "상회", "제작소", "베이커리", "농장", "마켓", "스튜디오", "키친", "작업실", "식품",
	}
	adjectives = []string{"유기농", "무농약", "친환경", "국산", "제철", "저당", "무첨가", "수제", "전통", "햇"}
	origins    = []string{
		"제주", "청송", "의성", "해남", "완도", "하동", "보성", "영동", "나주", "상주",
		"고창", "문경", "강원", "평창", "순창",
	}
	foodBases = []string{
		"사과", "배", "감귤", "유자", "블루베리", "매실", "오미자", "생강", "대추", "밤",
		"고구마", "단호박", "녹차", "현미", "귀리", "들깨", "꿀", "표고", "도라지", "레몬",
		"자두", "복숭아", "무화과", "석류",
	}
	foodForms = []string{"잼", "청", "즙", "차", "칩", "쿠키", "분말", "정과", "식초", "스프레드"}
	foodSizes = []string{"250g", "500g", "1kg", "3개입", "10포", "20개입", "2병", "500ml"}
	fruits    = []string{"사과", "배", "감귤", "복숭아", "자두", "단감", "포도", "참외", "키위", "한라봉"}
	weights   = []string{"2kg", "3kg", "5kg", "10kg"}

	craftPrefixes = []string{"천연", "업사이클", "핸드메이드", "친환경"}
	materials     = []string{
		"쑥", "숯", "녹차", "라벤더", "편백", "동백", "데님", "한지", "삼베", "대나무",
		"폐현수막", "커피박", "면", "린넨",
	}
	craftItems = []string{
		"비누", "캔들", "에코백", "파우치", "키링", "코스터", "수세미", "칫솔", "손수건", "앞치마",
		"필통", "컵받침",
	}
	colors = []string{"네이비", "베이지", "올리브", "그레이", "아이보리"}
)
