package account_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/impactmuseum/commerce"
	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// signInCounts collects reader's counters of the account meter by name.
func signInCounts(t *testing.T, reader *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := make(map[string]int64)
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != account.MeterName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, account.MeterName)
		}
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || !sum.IsMonotonic {
				t.Errorf("%s is %T, want a monotonic sum", m.Name, m.Data)
				continue
			}
			for _, dp := range sum.DataPoints {
				got[m.Name] += dp.Value
			}
		}
	}
	return got
}

const meteredPassword = "Pelican-harbor-58"

func meteredAccounts(t *testing.T) (*account.Service, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { provider.Shutdown(context.Background()) })
	store := memstore.New(nil)
	svc := account.NewService(store.Accounts(), store.Sessions(), store.Attempts(), &account.Options{
		Hasher:        account.NewHasher(&account.HasherOptions{Iterations: 1000}),
		MeterProvider: provider,
	})
	if _, err := svc.SignUp(context.Background(), account.SignUpInput{
		Username: "metered", Password: meteredPassword, PasswordConfirm: meteredPassword,
		Nickname: "계량", Email: "metered@example.com",
	}, ""); err != nil {
		t.Fatal(err)
	}
	return svc, reader
}

func TestSignInMetrics(t *testing.T) {
	ctx := context.Background()
	svc, reader := meteredAccounts(t)
	check := func(step string, failed, throttled int64) {
		t.Helper()
		got := signInCounts(t, reader)
		if got[account.MetricSignInsFailed] != failed || got[account.MetricSignInsThrottled] != throttled || len(got) != 2 {
			t.Errorf("after %s: %v, want %d failed and %d throttled", step, got, failed, throttled)
		}
	}
	check("nothing", 0, 0)

	signIn := func(user, password, client string) error {
		_, err := svc.SignIn(ctx, account.Credentials{Username: user, Password: password, Client: client}, "")
		return err
	}
	if err := signIn("metered", meteredPassword, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := signIn("metered", "", "10.0.0.1"); !errors.Is(err, commerce.ErrInvalid) {
		t.Fatalf("an empty password: %v", err)
	}
	check("a sign-in and an empty password", 0, 0)

	if err := signIn("nobody", meteredPassword, "10.0.0.1"); !errors.Is(err, account.ErrBadCredentials) {
		t.Fatalf("an unknown user: %v", err)
	}
	for i := range account.DefaultMaxUsernameClientFailures {
		if err := signIn("metered", "wrong", "10.0.0.2"); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	check("wrong passwords", 1+account.DefaultMaxUsernameClientFailures, 0)

	// Past the limit, the right password is throttled too.
	for _, password := range []string{"wrong", meteredPassword} {
		if err := signIn("metered", password, "10.0.0.2"); !errors.Is(err, account.ErrTooManyAttempts) {
			t.Fatalf("past the limit: %v", err)
		}
	}
	check("the limit", 1+account.DefaultMaxUsernameClientFailures, 2)
}

// Guesses sent at once: each is counted once, failed or throttled.
func TestSignInMetricsConcurrent(t *testing.T) {
	const guesses = 24
	svc, reader := meteredAccounts(t)
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Go(func() {
			_, err := svc.SignIn(context.Background(), account.Credentials{
				Username: "metered", Password: fmt.Sprintf("guess-%d", i), Client: "10.0.0.3",
			}, "")
			if !errors.Is(err, account.ErrBadCredentials) && !errors.Is(err, account.ErrTooManyAttempts) {
				t.Errorf("guess %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	got := signInCounts(t, reader)
	if got[account.MetricSignInsFailed]+got[account.MetricSignInsThrottled] != guesses ||
		got[account.MetricSignInsFailed] > account.DefaultMaxUsernameClientFailures {
		t.Errorf("counts %v: want %d in all, at most %d failed", got, guesses, account.DefaultMaxUsernameClientFailures)
	}
}
