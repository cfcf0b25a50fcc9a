package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Bounds of the flags, so that a typo cannot start a run that never ends
// or opens thousands of connections.
const (
	maxDuration    = 10 * time.Minute
	maxConcurrency = 1024
	maxUsers       = 10_000
	maxProducts    = 1000
	maxInstances   = 64
)

// allScenarios are the scenarios in the order they run. "order" is the
// checkout.
//
// The page-… scenarios GET the storefront's HTML pages as a visitor
// without a session: the home page, the search results for -q, a
// product's page and the notice board.
var allScenarios = []string{"home", "search", "product", "cart", "order", "page-home", "page-search", "page-product", "page-board"}

// errUsage marks a bad flag: the command exits 2, as flag does.
var errUsage = errors.New("usage")

// errFailures marks a run whose scenarios had errors: the command exits 1
// after printing the table.
var errFailures = errors.New("requests failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	// bases are the instances' base URLs, without a trailing slash: the
	// requests go to them in turn.
	bases       []*url.URL
	duration    time.Duration
	concurrency int
	users       int
	products    int
	staffUser   string
	staffPass   string
	scenarios   []string
	query       string
	timeout     time.Duration
	maxRequests int
}

func (c config) wants(name string) bool { return slices.Contains(c.scenarios, name) }

func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: loadtest [flags]")
		fmt.Fprintln(stderr, "Drives examples/server, one instance or several in turn, through home, search, product, cart and order (checkout) scenarios of the JSON API and the storefront's pages (page-…), and prints rps and latency.")
		fs.PrintDefaults()
	}
	var (
		c         config
		rawURL    string
		staff     string
		scenarios string
	)
	fs.StringVar(&rawURL, "url", "http://127.0.0.1:8080", "base URL of the server, or comma-separated base URLs of several instances sharing one database and Redis, which get the requests in turn")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each scenario runs (at most "+maxDuration.String()+")")
	fs.IntVar(&c.concurrency, "concurrency", 16, "concurrent workers per scenario, each with at most one request in flight")
	fs.IntVar(&c.users, "users", 32, "customer accounts to sign up before the runs (the cart and order scenarios use them in turn)")
	fs.IntVar(&c.products, "products", 1, "products the setup makes for the order scenario, which buys them in turn; with 1, every order takes stock from the same row")
	fs.StringVar(&staff, "staff", "", "user:pass of a staff account, used to create the product that the order scenario buys; required for it")
	fs.StringVar(&scenarios, "scenarios", strings.Join(allScenarios, ","), "comma-separated scenarios to run, in this order: "+strings.Join(allScenarios, ", "))
	fs.StringVar(&c.query, "q", "사과", "search term of the search scenario")
	fs.DurationVar(&c.timeout, "timeout", 15*time.Second, "timeout of one request")
	fs.IntVar(&c.maxRequests, "max-requests", 5_000_000, "most requests one scenario sends, whatever the duration")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}

	var bad []string
	c.bases, bad = parseBases(rawURL)
	if c.duration <= 0 || c.duration > maxDuration {
		bad = append(bad, fmt.Sprintf("-duration must be above 0 and at most %s", maxDuration))
	}
	if c.concurrency < 1 || c.concurrency > maxConcurrency {
		bad = append(bad, fmt.Sprintf("-concurrency must be 1..%d", maxConcurrency))
	}
	if c.users < 1 || c.users > maxUsers {
		bad = append(bad, fmt.Sprintf("-users must be 1..%d", maxUsers))
	}
	if c.products < 1 || c.products > maxProducts {
		bad = append(bad, fmt.Sprintf("-products must be 1..%d", maxProducts))
	}
	if c.timeout <= 0 {
		bad = append(bad, "-timeout must be above 0")
	}
	if c.maxRequests < 1 {
		bad = append(bad, "-max-requests must be at least 1")
	}
	if strings.TrimSpace(c.query) == "" {
		bad = append(bad, "-q must not be empty")
	}
	for s := range strings.SplitSeq(scenarios, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case !slices.Contains(allScenarios, s):
			bad = append(bad, fmt.Sprintf("-scenarios: unknown %q (know %s)", s, strings.Join(allScenarios, ", ")))
		case !slices.Contains(c.scenarios, s):
			c.scenarios = append(c.scenarios, s)
		}
	}
	if len(c.scenarios) == 0 {
		bad = append(bad, "-scenarios names none")
	}
	// They run in the documented order, whatever order the flag lists.
	slices.SortFunc(c.scenarios, func(a, b string) int {
		return slices.Index(allScenarios, a) - slices.Index(allScenarios, b)
	})
	if staff != "" {
		user, pass, ok := strings.Cut(staff, ":")
		if !ok || user == "" || pass == "" {
			bad = append(bad, "-staff must be user:pass")
		}
		c.staffUser, c.staffPass = user, pass
	} else if c.wants("order") {
		bad = append(bad, "-staff is required by the order scenario (or leave it out of -scenarios)")
	}
	if len(bad) > 0 {
		return c, fmt.Errorf("%w: %s", errUsage, strings.Join(bad, "; "))
	}
	return c, nil
}

// parseBases reads the -url flag: one base URL or several, separated by
// commas. It returns what it could read and a message for each problem.
// A message never shows a password that a URL carries.
func parseBases(raw string) ([]*url.URL, []string) {
	parts := strings.Split(raw, ",")
	if len(parts) > maxInstances {
		return nil, []string{fmt.Sprintf("-url lists %d base URLs, at most %d", len(parts), maxInstances)}
	}
	var (
		bases []*url.URL
		bad   []string
		twice = map[string]bool{}
	)
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			bad = append(bad, fmt.Sprintf("-url: base URL %d of %d is empty", i+1, len(parts)))
			continue
		}
		u, err := url.Parse(part)
		switch {
		case err == nil && u.User != nil:
			bad = append(bad, fmt.Sprintf("-url %q: a base URL takes no user name or password", u.Redacted()))
			continue
		case err != nil && strings.Contains(part, "@"):
			// What precedes the @ may be a password: it is not shown.
			bad = append(bad, fmt.Sprintf("-url: base URL %d of %d is not a URL; want http://host:port", i+1, len(parts)))
			continue
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
			bad = append(bad, fmt.Sprintf("-url %q: want http://host:port, optionally with a path", part))
			continue
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		if slices.ContainsFunc(bases, func(b *url.URL) bool { return b.String() == u.String() }) {
			if !twice[u.String()] {
				bad = append(bad, fmt.Sprintf("-url lists %s more than once", u))
				twice[u.String()] = true
			}
			continue
		}
		bases = append(bases, u)
	}
	return bases, bad
}

// newClient returns a client whose pool keeps a connection per worker
// alive between requests, so that the run measures the server rather
// than TCP handshakes. Redirects are not followed: the API answers none.
func newClient(c config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * c.concurrency * len(c.bases)
	tr.MaxIdleConnsPerHost = 2 * c.concurrency
	tr.IdleConnTimeout = time.Minute
	return &http.Client{
		Transport: tr,
		Timeout:   c.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// run parses the flags, prepares the accounts and the product, runs the
// scenarios one after another and prints their table. It returns
// errFailures when any request failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	client := newClient(cfg)
	defer client.CloseIdleConnections()

	targets := make([]string, len(cfg.bases))
	for i, u := range cfg.bases {
		targets[i] = u.String()
	}
	robin := ""
	if len(targets) > 1 {
		robin = fmt.Sprintf(" (%d instances, each request to the next in turn)", len(targets))
	}
	fmt.Fprintf(stdout, "target %s%s; %s per scenario, %d workers; scenarios %s\n",
		strings.Join(targets, ", "), robin, cfg.duration, cfg.concurrency, strings.Join(cfg.scenarios, ", "))
	start := time.Now()
	fx, err := prepare(ctx, client, cfg)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	carts := ""
	if cfg.wants("cart") {
		carts = ", 2 cart lines each"
	}
	fmt.Fprintf(stdout, "setup: run %s, %d customers%s, products to order: %d; %s\n",
		fx.runID, len(fx.tokens), carts, len(fx.orderProducts), time.Since(start).Round(time.Millisecond))
	if fx.found >= 0 {
		fmt.Fprintf(stdout, "search: %q finds %d products on the first page\n", cfg.query, fx.found)
		if fx.found == 0 {
			fmt.Fprintln(stdout, "search: warning: finding nothing is cheap; the search scenario measures little")
		}
	}

	var sums []summary
	for _, name := range cfg.scenarios {
		if ctx.Err() != nil {
			break
		}
		s := runScenario(ctx, client, cfg, name, fx.builder(cfg, name))
		fmt.Fprintf(stdout, "%s: %d requests, %d errors in %s\n", name, s.Requests, s.Errors, s.Elapsed.Round(time.Millisecond))
		sums = append(sums, s)
	}
	fmt.Fprintln(stdout)
	writeTable(stdout, sums, len(cfg.bases))
	writeSamples(stdout, sums)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	total := 0
	for _, s := range sums {
		total += s.Errors
	}
	if total > 0 {
		return fmt.Errorf("%w: %d errors", errFailures, total)
	}
	return nil
}
