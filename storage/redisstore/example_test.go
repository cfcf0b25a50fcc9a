package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/storage/memstore"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// The program of README.md. It needs a Redis, so it is compiled but not
// run by go test.
func Example() {
	ctx := context.Background()
	rdb, err := redisstore.NewClient("redis://127.0.0.1:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()
	store := redisstore.New(rdb, &redisstore.Options{Prefix: "myshop:"})
	if err := store.Ping(ctx); err != nil {
		log.Fatal(err) // wraps commerce.ErrUnavailable
	}

	// Users live elsewhere: memstore here, bunstore (MySQL) in production.
	users := memstore.New(nil).Accounts()
	accounts := account.NewService(users, store.Sessions(), store.Attempts(), nil)

	signedUp, err := accounts.SignUp(ctx, account.SignUpInput{
		Username: "minjun", Nickname: "민준", Email: "minjun@example.com",
		Password: "푸른하늘-Bicycle-42", PasswordConfirm: "푸른하늘-Bicycle-42",
	}, "")
	if err != nil {
		log.Fatal(err)
	}

	// What every request does with the token its client presents.
	actor, sess, err := accounts.Authenticate(ctx, signedUp.Token)
	switch {
	case errors.Is(err, account.ErrSessionEnded):
		log.Fatal("401: sign in again")
	case errors.Is(err, commerce.ErrUnavailable):
		log.Fatal("503: Redis is down; nobody gets in")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println("signed in:", actor.UserID == signedUp.Account.ID)
	fmt.Println("idle until:", sess.IdleExpiresAt.Format(time.RFC3339))

	if err := accounts.SignOut(ctx, signedUp.Token); err != nil {
		log.Fatal(err)
	}
	_, _, err = accounts.Authenticate(ctx, signedUp.Token)
	fmt.Println("after sign-out:", errors.Is(err, account.ErrSessionEnded))
}

// A Redis Cluster: the client starts from the nodes the URL lists and
// learns the others from them.
func ExampleNewClusterClient() {
	rdb, err := redisstore.NewClusterClient("redis://10.0.0.1:6379?addr=10.0.0.2:6379&addr=10.0.0.3:6379")
	if err != nil {
		log.Fatal(err) // wraps commerce.ErrInvalid
	}
	defer rdb.Close()
	store := redisstore.New(rdb, nil)
	_ = store.Sessions()
}

// A primary that Redis Sentinels watch: the URL lists the sentinels and
// names the primary as they know it; the primary's password, if it has
// one, is a parameter.
func ExampleNewFailoverClient() {
	rdb, err := redisstore.NewFailoverClient(
		"redis://10.0.0.1:26379/0?master_name=mymaster&addr=10.0.0.2:26379&addr=10.0.0.3:26379&password=secret")
	if err != nil {
		log.Fatal(err) // wraps commerce.ErrInvalid
	}
	defer rdb.Close()
	store := redisstore.New(rdb, nil)
	_ = store.Sessions()
}

// A client made some other way, here by redis.NewUniversalClient, works
// too; it should have the settings that NewClient gives a single node,
// so that a call fails fast when Redis is down. (UniversalOptions lacks
// the ClusterStateReloadInterval that NewClusterClient sets, so a cluster
// client made this way finds a promoted replica only after go-redis's
// minute.)
func ExampleNew_universalClient() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:      []string{"10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"},
		MasterName: "mymaster", // Sentinel: Addrs are the sentinels.

		DialTimeout:           redisstore.DefaultDialTimeout,
		ReadTimeout:           redisstore.DefaultReadTimeout,
		WriteTimeout:          redisstore.DefaultWriteTimeout,
		PoolTimeout:           redisstore.DefaultPoolTimeout,
		MaxRetries:            redisstore.DefaultMaxRetries,
		MinRetryBackoff:       8 * time.Millisecond,
		MaxRetryBackoff:       32 * time.Millisecond,
		DialerRetries:         1,
		ContextTimeoutEnabled: true,
	})
	defer rdb.Close()
	store := redisstore.New(rdb, nil)
	_ = store.Sessions()
}
