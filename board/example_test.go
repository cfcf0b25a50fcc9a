package board_test

import (
	"context"
	"fmt"
	"log"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// Staff publish notices; readers page through them, pinned notices on top
// and the others numbered counting down.
func Example() {
	ctx := context.Background()
	store := memstore.New(nil)
	accounts := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), nil)
	notices := board.NewService(store.Board(), nil)

	admin, err := accounts.BootstrapStaff(ctx, "admin", "공지-관리-Password-2026")
	if err != nil {
		log.Fatal(err)
	}
	staff := commerce.StaffActor(admin.ID)
	posts := []board.PostInput{
		{Title: "설 연휴 배송 안내", Category: board.Normal, Body: "2월 8일부터 12일까지 배송을 쉽니다."},
		{Title: "장애인 고용 브랜드 기획전", Category: board.Disabled, Body: "이번 달의 기획전입니다."},
		{Title: "개인정보 처리방침 개정", Category: board.Normal, Body: "3월 1일부터 적용됩니다.", Pinned: true},
		{Title: "플라스틱 없는 포장으로 바꿉니다", Category: board.Environment, Body: "모든 주문에 적용합니다."},
	}
	for _, in := range posts {
		if _, err := notices.Create(ctx, staff, in); err != nil {
			log.Fatal(err)
		}
	}

	page, err := notices.List(ctx, 1, "")
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range page.Pinned {
		fmt.Printf("[공지] %s (%s)\n", p.Title, p.Category.Label())
	}
	for _, p := range page.Items {
		fmt.Printf("%d. %s (%s)\n", p.Number, p.Title, p.Category.Label())
	}
	fmt.Printf("page %d of %d, %d posts\n", page.Page, page.Pages, page.Total)
	// Output:
	// [공지] 개인정보 처리방침 개정 (일반)
	// 3. 플라스틱 없는 포장으로 바꿉니다 (환경)
	// 2. 장애인 고용 브랜드 기획전 (장애인)
	// 1. 설 연휴 배송 안내 (일반)
	// page 1 of 1, 3 posts
}

// A customer cannot post: the service itself refuses.
func ExampleService_Create_forbidden() {
	store := memstore.New(nil)
	notices := board.NewService(store.Board(), nil)
	_, err := notices.Create(context.Background(), commerce.UserActor(commerce.NewID()), board.PostInput{Title: "광고", Category: board.Normal, Body: "..."})
	fmt.Println(err)
	// Output:
	// board: only staff may post or pin: forbidden
}
