package outbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/outbox"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// printer is a publisher that prints each event: a broker would send it on.
type printer struct{}

func (printer) Publish(ctx context.Context, ev commerce.Event) error {
	fmt.Printf("%s v%d %s\n", ev.Type, ev.Version, ev.Data)
	return nil
}

// A post and its post.published event commit together; the relay then
// hands the event to the publisher and marks it sent.
func ExampleRelay() {
	ctx := context.Background()
	store := memstore.New(nil)
	at := time.Date(2026, 1, 20, 1, 0, 0, 0, time.UTC)
	staff := account.User{ID: commerce.NewID(), Username: "admin", Nickname: "관리자", Staff: true, CreatedAt: at, UpdatedAt: at, Version: 1}
	if err := store.Accounts().CreateUser(ctx, staff, nil); err != nil {
		panic(err)
	}

	// As board.Service.Create does, the write carries its event (its
	// data cut short here).
	post := board.Post{ID: commerce.NewID(), Author: board.Author{ID: staff.ID}, Title: "설 연휴 배송 안내",
		Category: board.Normal, Body: "연휴에는 배송이 쉽니다.", CreatedAt: at, UpdatedAt: at, Version: 1}
	ev := commerce.NewEvent(board.EventPostPublished, post.ID, post.Version, at, map[string]string{"title": post.Title})
	if err := store.Board().CreatePost(commerce.WithEvents(ctx, ev), post); err != nil {
		panic(err)
	}

	relay, err := outbox.NewRelay(store.Outbox(), printer{}, &outbox.RelayOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	sent, err := relay.Drain(ctx)
	fmt.Println(sent, err)
	sent, err = relay.Drain(ctx)
	fmt.Println(sent, err)
	// Output:
	// post.published v1 {"title":"설 연휴 배송 안내"}
	// 1 <nil>
	// 0 <nil>
}
