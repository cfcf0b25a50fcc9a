package board_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// racingImports is a post repository on which another import stores the
// first post of a batch just before each of the service's next races
// writes, so that each of those writes meets a real version conflict.
type racingImports struct {
	board.Repository
	mu     sync.Mutex
	races  int
	writes int
	// failAt, when not 0, makes that write fail as a store that does not
	// answer.
	failAt int
}

var errStoreDown = fmt.Errorf("store down: %w", commerce.ErrUnavailable)

func (r *racingImports) ImportPosts(ctx context.Context, ps []board.Post) error {
	r.mu.Lock()
	r.writes++
	race, fail := r.races > 0, r.writes == r.failAt
	if race {
		r.races--
	}
	r.mu.Unlock()
	if fail {
		return errStoreDown
	}
	if race {
		first := ps[0]
		first.Title += " (다른 가져오기)"
		if err := r.Repository.ImportPosts(ctx, []board.Post{first}); err != nil {
			return err
		}
	}
	return r.Repository.ImportPosts(ctx, ps)
}

// importFixture is a board over memstore whose writes race as repo says,
// with one author.
func importFixture(t *testing.T, repo *racingImports, store *memstore.Store) (*board.Service, uuid.UUID) {
	t.Helper()
	// A cheap hash: the author's password is beside the point here.
	accounts := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), &account.Options{
		Hasher: account.NewHasher(&account.HasherOptions{Iterations: 1000}),
	})
	admin, err := accounts.BootstrapStaff(context.Background(), "admin", "공지-관리-Password-2026")
	if err != nil {
		t.Fatal(err)
	}
	repo.Repository = store.Board()
	return board.NewService(repo, nil), admin.ID
}

func importablePosts(author uuid.UUID, n int) []board.Post {
	ps := make([]board.Post, n)
	for k := range ps {
		at := time.Date(2022, 3, 29, 10, 4, 5, 0, time.UTC).Add(time.Duration(k) * time.Hour)
		ps[k] = board.Post{
			ID: commerce.ImportedID(at, fmt.Sprintf("posts_post:%d", k)), Author: board.Author{ID: author},
			Title: fmt.Sprintf("공지 %d", k), Category: board.Normal, Body: "본문", CreatedAt: at, UpdatedAt: at,
		}
	}
	return ps
}

// TestImportPostsLostRace has another import store a post of the batch
// between the service's reads and its write: the write is refused, and the
// service reads again and decides anew.
func TestImportPostsLostRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memstore.New(nil)
	repo := &racingImports{races: 2}
	svc, author := importFixture(t, repo, store)
	ps := importablePosts(author, 2)
	res, err := svc.ImportPosts(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != commerce.ImportUpdated || res[1].Outcome != commerce.ImportCreated {
		t.Errorf("after two lost races: %+v; want updated, created", res)
	}
	got, err := svc.Post(ctx, ps[0].ID)
	if err != nil || got.Title != ps[0].Title || got.Version != 3 {
		t.Errorf("the raced post: %+v, %v; want the import's title at version 3", got, err)
	}
	if repo.writes != 3 {
		t.Errorf("%d writes, want 3", repo.writes)
	}
}

// TestImportPostsStoreFailure fails the write of the second batch: the
// results of the first stand, the rest are zero, and nothing of the
// second batch is stored.
func TestImportPostsStoreFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := memstore.New(nil)
	repo := &racingImports{failAt: 2}
	svc, author := importFixture(t, repo, store)
	ps := importablePosts(author, commerce.ImportBatchSize+2)
	res, err := svc.ImportPosts(ctx, ps)
	if !errors.Is(err, errStoreDown) {
		t.Fatalf("got %v, want the store's failure", err)
	}
	for k, r := range res {
		want := commerce.ImportCreated
		if k >= commerce.ImportBatchSize {
			want = 0
		}
		if r.Outcome != want {
			t.Fatalf("post %d: %v (%v), want %v", k, r.Outcome, r.Err, want)
		}
	}
	if _, err := svc.Post(ctx, ps[commerce.ImportBatchSize].ID); !errors.Is(err, board.ErrPostNotFound) {
		t.Errorf("a post of the failed batch is stored: %v", err)
	}
}
