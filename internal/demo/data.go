package demo

import "github.com/impactmuseum/commerce/catalog"

// problems are the shop's five social problems, in the order the shop
// lists them.
var problems = []catalog.ProblemInput{
	{
		Name:     "장애인",
		ImageURL: "/static/demo/problem-disability.svg",
		Summary:  "장애가 일과 배움, 일상의 걸림돌이 되지 않는 사회를 만듭니다.",
		Description: "장애인의 경제활동 참가율은 여전히 전체 인구의 절반을 조금 넘는 수준입니다. " +
			"이 분야의 브랜드들은 장애인이 직접 만들고 일하는 일터를 꾸리고, " +
			"점자와 쉬운 글처럼 누구나 쓸 수 있는 제품을 만들어 함께 사는 길을 넓힙니다.",
	},
	{
		Name:     "환경",
		ImageURL: "/static/demo/problem-environment.svg",
		Summary:  "버려지는 것을 줄이고 지구에 덜 해로운 소비를 제안합니다.",
		Description: "한 번 쓰고 버려지는 현수막과 커피 찌꺼기, 농약과 긴 유통 거리는 모두 환경에 짐이 됩니다. " +
			"이 분야의 브랜드들은 버려질 자원을 다시 쓰고, 땅을 살리는 농법으로 기른 먹거리를 가까이에서 전합니다.",
	},
	{
		Name:     "고용",
		ImageURL: "/static/demo/problem-employment.svg",
		Summary:  "일자리에서 밀려난 사람들이 다시 일할 수 있는 기회를 만듭니다.",
		Description: "경력이 끊긴 여성, 보호가 끝나 홀로서기를 하는 청년처럼 일할 기회를 얻기 어려운 사람들이 있습니다. " +
			"이 분야의 브랜드들은 교육과 일자리를 함께 마련해, 일을 통해 자립할 수 있도록 돕습니다.",
	},
	{
		Name:     "교육",
		ImageURL: "/static/demo/problem-education.svg",
		Summary:  "사는 곳과 형편에 상관없이 누구나 배울 수 있도록 교육 격차를 줄입니다.",
		Description: "작은 마을의 아이들은 도시의 아이들보다 책과 교구를 만날 기회가 적습니다. " +
			"이 분야의 브랜드들은 제품이 하나 팔릴 때마다 책과 교구를 나누어, 배움의 출발선을 고릅니다.",
	},
	{
		Name:     "노인",
		ImageURL: "/static/demo/problem-elderly.svg",
		Summary:  "어르신들이 존중받으며 일하고 어울리는 노년을 응원합니다.",
		Description: "홀로 사는 어르신이 늘어나면서 일자리와 사회적 관계가 함께 줄어들고 있습니다. " +
			"이 분야의 브랜드들은 어르신들의 솜씨와 경험을 일자리로 잇고, 이웃과 어울리는 자리를 만듭니다.",
	},
}

// brand is a brand of the demo and the name of the problem it works on.
type brand struct {
	catalog.BrandInput
	problem string
}

// brands are the demo's brands, oldest first.
var brands = []brand{
	{problem: "환경", BrandInput: catalog.BrandInput{
		Name:    "사과꽃농원",
		Summary: "농약 대신 꽃과 벌로 사과를 키우는 경북 청송의 유기농 과수원",
		Story: "3대째 사과 농사를 짓는 농원은 10년 전 농약을 끊었습니다. " +
			"과수원 풀밭에 꽃을 심어 벌과 천적 곤충이 병해충을 다스리게 하고, " +
			"모양이 고르지 않아 팔지 못하던 사과는 잼과 즙으로 만들어 버리는 사과를 없앴습니다.",
		LogoURL:  "/static/demo/logo-apple-blossom-farm.svg",
		Homepage: "https://example.org/apple-blossom-farm",
	}},
	{problem: "장애인", BrandInput: catalog.BrandInput{
		Name:    "함께굽는빵",
		Summary: "발달장애인 제빵사들이 우리밀로 굽는 동네 빵집",
		Story: "함께굽는빵의 제빵사 열두 명 가운데 아홉 명이 발달장애인입니다. " +
			"반죽부터 포장까지 일을 잘게 나누고 그림으로 된 작업 안내서를 만들어, " +
			"누구나 자기 속도로 일하며 정규직으로 자리 잡을 수 있게 했습니다.",
		LogoURL:  "/static/demo/logo-baking-together.svg",
		Homepage: "https://example.org/baking-together",
	}},
	{problem: "환경", BrandInput: catalog.BrandInput{
		Name:    "초록순환",
		Summary: "버려지는 현수막과 커피박을 생활용품으로 되살리는 업사이클링 공방",
		Story: "선거와 행사가 끝나면 수많은 현수막이 그대로 소각됩니다. " +
			"초록순환은 지자체와 함께 현수막을 모아 세척하고 가방으로 다시 짓고, " +
			"동네 카페의 커피 찌꺼기로 화분을 빚습니다.",
		LogoURL:  "/static/demo/logo-green-cycle.svg",
		Homepage: "https://example.org/green-cycle",
	}},
	{problem: "고용", BrandInput: catalog.BrandInput{
		Name:    "다시일터",
		Summary: "경력이 끊긴 여성들이 봉제 기술로 다시 일을 시작하는 공방",
		Story: "육아와 돌봄으로 일을 쉬었던 여성들이 여섯 달의 봉제 교육을 마치고 다시일터의 동료가 됩니다. " +
			"아이를 등원시킨 뒤 출근하고 하원 전에 퇴근하는 시간제 일자리로, 일과 돌봄을 함께 지킵니다.",
		LogoURL:  "/static/demo/logo-back-to-work.svg",
		Homepage: "https://example.org/back-to-work",
	}},
	{problem: "고용", BrandInput: catalog.BrandInput{
		Name:    "청년로스터리",
		Summary: "자립준비청년이 바리스타와 로스터로 일하는 커피 공방",
		Story: "보호시설을 나와 홀로서기를 하는 청년들에게 가장 필요한 것은 경력이 되는 첫 일자리입니다. " +
			"청년로스터리는 1년 동안 커피 교육과 월급을 함께 주고, 수료한 청년이 다른 카페로 일자리를 옮길 수 있게 돕습니다.",
		LogoURL:  "/static/demo/logo-youth-roastery.svg",
		Homepage: "https://example.org/youth-roastery",
	}},
	{problem: "교육", BrandInput: catalog.BrandInput{
		Name:    "책읽는마을",
		Summary: "한 권이 팔릴 때마다 작은 마을 도서관에 한 권을 보내는 출판사",
		Story: "전국 곳곳의 작은 마을에는 서점도 도서관도 멀리 있습니다. " +
			"책읽는마을은 그림책과 교구가 하나 팔릴 때마다 같은 것을 마을 공부방에 보내고, " +
			"작가와 함께 찾아가 책 읽어 주는 날을 엽니다.",
		LogoURL:  "/static/demo/logo-reading-village.svg",
		Homepage: "https://example.org/reading-village",
	}},
	{problem: "노인", BrandInput: catalog.BrandInput{
		Name:    "할머니손맛",
		Summary: "마을 어르신들이 전통 방식으로 장을 담그고 반찬을 만드는 마을기업",
		Story: "평생 장을 담가 온 마을 할머니 스무 분이 함께 일합니다. " +
			"메주를 빚고 장을 가르는 일은 어르신들의 솜씨로, 포장과 배송은 마을 청년들이 맡아 " +
			"세대가 어울리는 일터를 만들었습니다.",
		LogoURL:  "/static/demo/logo-grandma-kitchen.svg",
		Homepage: "https://example.org/grandma-kitchen",
	}},
	{problem: "장애인", BrandInput: catalog.BrandInput{
		Name:    "손끝공방",
		Summary: "시각장애인 공예가들이 손끝의 감각으로 빚는 도자기와 목공품",
		Story: "손끝공방의 공예가들은 눈 대신 손끝으로 흙과 나무의 결을 읽습니다. " +
			"모든 제품에 점자 안내를 붙이고, 공방 수익으로 시각장애인 공예 교실을 엽니다.",
		LogoURL:  "/static/demo/logo-fingertip-studio.svg",
		Homepage: "https://example.org/fingertip-studio",
	}},
}

// product is a demo product. An empty brand means a product without one.
type product struct {
	name        string
	description string
	price       string // KRW
	images      []string
}

// productGroup is one brand's products, in the order they are created.
type productGroup struct {
	brand    string
	products []product
}

// products are the demo's products by brand. Load creates them in rounds,
// the first product of every brand, then the second, and so on, so that
// the newest products — the home page — come from many brands.
var products = []productGroup{
	{brand: "사과꽃농원", products: []product{
		{name: "유기농사과잼", price: "8900",
			description: "못난이 유기농 사과를 껍질째 졸여 만든 잼입니다. 설탕을 줄이고 사과 본연의 새콤달콤한 맛을 살렸습니다. 300g.",
			images:      []string{"/static/demo/apple-jam.svg", "/static/demo/apple-jam-open.svg"}},
		{name: "사과즙 30포", price: "32000",
			description: "물 한 방울 넣지 않고 유기농 사과만 착즙했습니다. 아침마다 한 포씩, 100ml × 30포.",
			images:      []string{"/static/demo/apple-juice.svg"}},
		{name: "바삭 사과칩", price: "6500",
			description: "얇게 썬 사과를 저온에서 천천히 말렸습니다. 아이 간식으로 좋습니다. 50g.",
			images:      []string{"/static/demo/apple-chips.svg"}},
		{name: "유기농 사과식초", price: "12000",
			description: "사과를 발효해 1년 동안 숙성한 천연 식초입니다. 물에 타서 마시거나 샐러드에 곁들이세요. 500ml.",
			images:      []string{"/static/demo/apple-vinegar.svg"}},
		{name: "아카시아 벌꿀", price: "25000",
			description: "과수원에 깃든 벌들이 봄마다 모아 온 아카시아 꿀입니다. 500g.",
			images:      []string{"/static/demo/acacia-honey.svg"}},
	}},
	{brand: "함께굽는빵", products: []product{
		{name: "우리밀식빵", price: "5500",
			description: "국산 우리밀과 천연발효종으로 구운 담백한 식빵입니다. 매일 아침 구워 당일 발송합니다.",
			images:      []string{"/static/demo/bread.svg"}},
		{name: "통사과파이", price: "4500",
			description: "사과꽃농원의 유기농 사과를 큼직하게 썰어 넣은 파이입니다.",
			images:      []string{"/static/demo/apple-pie.svg"}},
		{name: "호두쿠키 선물세트", price: "12000",
			description: "고소한 호두를 듬뿍 넣은 쿠키 12개를 선물 상자에 담았습니다.",
			images:      []string{"/static/demo/walnut-cookies.svg"}},
		{name: "통밀 스콘", price: "3800",
			description: "버터를 줄이고 통밀로 구워 속이 편안한 스콘입니다.",
			images:      []string{"/static/demo/scones.svg"}},
		{name: "구움과자 상자", price: "25000",
			description: "마들렌, 피낭시에, 쿠키를 골고루 담은 선물용 상자입니다.",
			images:      []string{"/static/demo/baked-goods-box.svg"}},
	}},
	{brand: "초록순환", products: []product{
		{name: "현수막 업사이클 토트백", price: "29000",
			description: "버려진 현수막을 세척해 만든 튼튼한 토트백입니다. 무늬가 모두 달라 세상에 하나뿐입니다.",
			images:      []string{"/static/demo/tote-bag.svg"}},
		{name: "커피박 화분", price: "13000",
			description: "카페에서 버려지는 커피 찌꺼기를 모아 빚은 작은 화분입니다. 다육식물 한 포기를 함께 드립니다.",
			images:      []string{"/static/demo/coffee-plant-pot.svg"}},
		{name: "천연 수세미 3개입", price: "7000",
			description: "직접 기른 수세미 열매를 말려 만든 주방 수세미입니다. 미세플라스틱 걱정이 없습니다.",
			images:      []string{"/static/demo/loofah.svg"}},
		{name: "대나무 칫솔 4개입", price: "9900",
			description: "손잡이를 대나무로 만들어 땅에서 분해되는 칫솔입니다.",
			images:      []string{"/static/demo/bamboo-toothbrush.svg"}},
		{name: "ECO 스테인리스 빨대 세트", price: "8500",
			description: "씻어서 오래 쓰는 스테인리스 빨대 네 개에 세척솔과 현수막 천으로 지은 주머니를 곁들였습니다.",
			images:      []string{"/static/demo/steel-straws.svg"}},
	}},
	{brand: "다시일터", products: []product{
		{name: "광목 앞치마", price: "24000",
			description: "두툼한 광목으로 지어 오래 쓰는 앞치마입니다. 주머니가 넉넉합니다.",
			images:      []string{"/static/demo/apron.svg"}},
		{name: "손바느질 파우치", price: "15000",
			description: "한 땀 한 땀 손바느질로 마감한 파우치입니다. 화장품이나 필기구를 담기 좋습니다.",
			images:      []string{"/static/demo/pouch.svg"}},
		{name: "리넨 행주 3장", price: "11000",
			description: "잘 마르고 보풀이 적은 리넨 행주 세 장입니다."},
		{name: "누빔 장바구니", price: "18000",
			description: "접으면 손바닥만 해지는 누빔 장바구니입니다. 비닐봉지 대신 들고 다니세요.",
			images:      []string{"/static/demo/quilted-bag.svg"}},
	}},
	{brand: "청년로스터리", products: []product{
		{name: "드립백 커피 10개입", price: "12000",
			description: "갓 볶은 원두를 갈아 담은 드립백입니다. 컵에 걸고 물만 부으면 됩니다.",
			images:      []string{"/static/demo/coffee.svg"}},
		{name: "에티오피아 예가체프 원두 200g", price: "14000",
			description: "꽃향기와 산뜻한 산미가 좋은 싱글 오리진 원두입니다. 주문을 받은 뒤 볶습니다.",
			images:      []string{"/static/demo/yirgacheffe-beans.svg"}},
		{name: "콜드브루 원액 500ml", price: "16000",
			description: "열두 시간 동안 찬물로 우려낸 콜드브루 원액입니다. 물이나 우유에 타서 드세요.",
			images:      []string{"/static/demo/cold-brew.svg"}},
		{name: "디카페인 원두 200g", price: "15000",
			description: "물로만 카페인을 걸러 낸 원두입니다. 저녁에도 편하게 즐기세요.",
			images:      []string{"/static/demo/decaf-beans.svg"}},
		{name: "Café 하우스 블렌드 원두 200g", price: "13000",
			description: "브라질과 콜롬비아 원두를 섞어 고소하고 단맛이 도는 기본 블렌드입니다. 라테에도 잘 어울립니다.",
			images:      []string{"/static/demo/house-blend-beans.svg"}},
	}},
	{brand: "책읽는마을", products: []product{
		{name: "그림책 꾸러미", price: "22000",
			description: "계절마다 고른 그림책 세 권을 한 꾸러미로 보내 드립니다. 같은 꾸러미가 마을 공부방에도 갑니다.",
			images:      []string{"/static/demo/picture-books.svg"}},
		{name: "한글 자석 교구", price: "19000",
			description: "자음과 모음 자석으로 놀면서 한글을 익히는 교구입니다.",
			images:      []string{"/static/demo/hangul-magnets.svg"}},
		{name: "우리말 낱말 카드", price: "13000",
			description: "그림과 함께 우리말 낱말 100개를 익히는 카드입니다.",
			images:      []string{"/static/demo/word-cards.svg"}},
		{name: "1+1 기부 동화책", price: "16000",
			description: "한 권을 사시면 한 권이 작은 마을 도서관으로 갑니다.",
			images:      []string{"/static/demo/give-one-book.svg"}},
	}},
	{brand: "할머니손맛", products: []product{
		{name: "전통 된장 1kg", price: "18000",
			description: "국산 콩으로 빚은 메주를 장독에서 3년 동안 숙성한 된장입니다.",
			images:      []string{"/static/demo/doenjang.svg"}},
		{name: "찹쌀 고추장 500g", price: "15000",
			description: "찹쌀과 태양초 고춧가루로 담근 고추장입니다.",
			images:      []string{"/static/demo/gochujang.svg"}},
		{name: "사과 깍두기 1kg", price: "13000",
			description: "무와 사과를 함께 버무려 시원하고 달큰한 깍두기입니다.",
			images:      []string{"/static/demo/apple-kkakdugi.svg"}},
		{name: "무말랭이 무침", price: "9000",
			description: "볕에 말린 무로 꼬들꼬들하게 무친 밑반찬입니다. 300g."},
	}},
	{brand: "손끝공방", products: []product{
		{name: "도자기 머그컵", price: "22000",
			description: "손으로 빚어 유약을 입힌 머그컵입니다. 바닥에 점자로 이름이 새겨져 있습니다.",
			images:      []string{"/static/demo/mug.svg"}},
		{name: "점자 탁상 달력", price: "12000",
			description: "날짜마다 점자를 찍은 탁상 달력입니다. 보는 사람도 만지는 사람도 함께 씁니다.",
			images:      []string{"/static/demo/braille-calendar.svg"}},
		{name: "원목 도마", price: "27000",
			description: "호두나무를 통으로 깎아 기름을 먹인 도마입니다.",
			images:      []string{"/static/demo/cutting-board.svg"}},
	}},
	{brand: "", products: []product{
		{name: "임팩트뮤지엄 기부 티셔츠", price: "20000",
			description: "판매 수익 전액을 다섯 분야의 소셜 벤처에 나누어 기부하는 유기농 면 티셔츠입니다.",
			images:      []string{"/static/demo/donation-tshirt.svg"}},
	}},
}
