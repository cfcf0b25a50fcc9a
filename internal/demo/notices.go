package demo

import "github.com/impactmuseum/commerce/board"

// notices are the demo's notice board, oldest first; the pinned one is the
// shop's standing notice.
var notices = []board.PostInput{
	{
		Title: "임팩트뮤지엄이 문을 열었습니다", Category: board.Normal,
		Body: "사회 문제를 풀어 가는 브랜드들의 물건을 한곳에서 만나 보세요.\n장애인, 환경, 고용, 교육, 노인 — 다섯 가지 문제를 푸는 브랜드가 함께합니다.",
	},
	{
		Title: "발달장애인 제빵사의 우리밀 쿠키 기획전", Category: board.Disabled,
		Body: "함께굽는빵의 제빵사들이 구운 쿠키를 이번 달 내내 소개합니다.\n판매 수익은 제빵사들의 정규직 일자리를 지키는 데 쓰입니다.",
	},
	{
		Title: "택배 포장재를 재생지와 종이테이프로 바꿉니다", Category: board.Environment,
		Body: "다음 주 주문부터 비닐 완충재 대신 재생지를 씁니다.\n받으신 상자는 종이류로 분리배출해 주세요.",
	},
	{
		Title: "자립준비청년 바리스타 과정 3기 수료", Category: board.Employment,
		Body: "청년로스터리의 바리스타 과정 3기 여덟 명이 수료했습니다.\n응원해 주신 모든 분께 감사드립니다.",
	},
	{
		Title: "작은 마을 공부방에 그림책 500권을 보냈습니다", Category: board.Education,
		Body: "책읽는마을의 그림책이 팔릴 때마다 한 권씩 모아, 이번 분기에 열두 곳의 공부방으로 보냈습니다.",
	},
	{
		Title: "할머니손맛 김장 체험 신청 안내", Category: board.Elders,
		Body: "어르신들과 함께 김치를 담그는 체험을 엽니다.\n신청은 이달 말까지 받습니다.",
	},
	{
		Title: "[필독] 배송과 교환·환불 안내", Category: board.Normal, Pinned: true,
		Body: "주문은 평일 오후 2시까지 결제된 건을 당일 출고합니다.\n무통장 입금은 입금이 확인된 뒤 출고됩니다.\n교환과 환불은 받으신 날부터 7일 안에 신청해 주세요.",
	},
}
