package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/account/social"
	"github.com/impactmuseum/commerce/storage/redisstore"
)

// errUsage marks an error in the command line itself.
var errUsage = errors.New("usage")

// setting is one configuration value, set by a flag or by an environment
// variable; the flag wins.
type setting struct {
	flag  string
	env   string
	arg   string // what the value looks like, for -h
	usage string
	def   string // the default, for -h
	// boolean lets the flag stand alone: -demo means -demo=1.
	boolean bool
}

var settings = []setting{
	{flag: "addr", env: "COMMERCE_ADDR", arg: "host:port", def: ":8080",
		usage: "address to listen on"},
	{flag: "metrics-addr", env: "COMMERCE_METRICS_ADDR", arg: "host:port", def: "none, no metrics are served",
		usage: "address of a second listener that serves Prometheus metrics at /metrics, never the public address; keep it private, such as 127.0.0.1:9090"},
	{flag: "mysql-dsn", env: "COMMERCE_MYSQL_DSN", arg: "dsn", def: "none, the store is in memory",
		usage: "MySQL or MariaDB DSN such as user:password@tcp(127.0.0.1:3306)/shop"},
	{flag: "mysql-replica-dsns", env: "COMMERCE_MYSQL_REPLICA_DSNS", arg: "dsn[ dsn2]", def: "none, every query goes to the primary",
		usage: "DSNs of read replicas of the MySQL primary, separated by spaces (a DSN, password included, cannot hold one); visitors' and customers' catalog, search and board reads go to them, every write and a user's own cart, orders and profile to the primary"},
	{flag: "mysql-replica-max-lag", env: "COMMERCE_MYSQL_REPLICA_MAX_LAG", arg: "duration", def: "5s",
		usage: "a replica further behind the primary than this takes no reads until it catches up"},
	{flag: "redis-url", env: "COMMERCE_REDIS_URL", arg: "url", def: "none, sessions are in memory",
		usage: "Redis URL for sessions and sign-in throttling, such as redis://127.0.0.1:6379/0"},
	{flag: "redis-cluster-url", env: "COMMERCE_REDIS_CLUSTER_URL", arg: "url", def: "none",
		usage: "Redis Cluster instead of one node: redis://host1:port1?addr=host2:port2&addr=host3:port3"},
	{flag: "redis-sentinel-url", env: "COMMERCE_REDIS_SENTINEL_URL", arg: "url", def: "none",
		usage: "Redis behind Sentinel instead of one node: redis://sentinel1:26379/0?master_name=mymaster&addr=sentinel2:26379"},
	{flag: "redis-prefix", env: "COMMERCE_REDIS_PREFIX", arg: "prefix", def: "commerce:",
		usage: "prefix of every Redis key, so that shops can share a Redis"},
	{flag: "demo", env: "COMMERCE_DEMO", arg: "1|0", def: "1 in memory, 0 on MySQL", boolean: true,
		usage: "load the demo catalog and notice board at start, each unless it has content already"},
	{flag: "log-format", env: "COMMERCE_LOG_FORMAT", arg: "text|json", def: "text",
		usage: "format of the log on standard error"},
	{flag: "db-wait", env: "COMMERCE_DB_WAIT", arg: "duration", def: "30s",
		usage: "how long to wait at start for the database and Redis to answer"},
	{flag: "bootstrap-staff", env: "COMMERCE_BOOTSTRAP_STAFF", arg: "user:pass[,user2:pass2]", def: "none",
		usage: "staff accounts ensured at start (created, or made staff with that password); prefer the variable, which ps does not show"},
	{flag: "password-iterations", env: "COMMERCE_PASSWORD_ITERATIONS", arg: "n", def: strconv.Itoa(account.DefaultIterations),
		usage: "PBKDF2 iterations of new password hashes"},
	{flag: "signups-per-hour", env: "COMMERCE_SIGNUPS_PER_HOUR", arg: "n", def: strconv.Itoa(account.DefaultMaxClientSignUps),
		usage: "sign-ups one client may make in an hour, failed ones included; the next get 429 (load tests raise it)"},
	{flag: "public-url", env: "COMMERCE_PUBLIC_URL", arg: "url", def: "none; required for Google or Kakao sign-in",
		usage: "the URL browsers reach the server at, such as https://shop.example; redirect URIs are <url>/auth/<provider>/callback"},
	{flag: "cookie-secure", env: "COMMERCE_COOKIE_SECURE", arg: "1|0", def: "1 if the public URL is https, else 0", boolean: true,
		usage: "mark cookies Secure (cookies of requests that arrive over TLS always are)"},
	{flag: "google-client-id", env: "COMMERCE_GOOGLE_CLIENT_ID", arg: "id", def: "none, Google sign-in is off",
		usage: "OAuth client id of Google sign-in"},
	{flag: "google-client-secret", env: "COMMERCE_GOOGLE_CLIENT_SECRET", arg: "secret", def: "none",
		usage: "OAuth client secret of Google sign-in; prefer the variable"},
	{flag: "google-auth-url", env: "COMMERCE_GOOGLE_AUTH_URL", arg: "url", def: "Google's",
		usage: "replaces Google's authorization endpoint (for tests)"},
	{flag: "google-token-url", env: "COMMERCE_GOOGLE_TOKEN_URL", arg: "url", def: "Google's",
		usage: "replaces Google's token endpoint (for tests)"},
	{flag: "google-userinfo-url", env: "COMMERCE_GOOGLE_USERINFO_URL", arg: "url", def: "Google's",
		usage: "replaces Google's userinfo endpoint (for tests)"},
	{flag: "google-issuer", env: "COMMERCE_GOOGLE_ISSUER", arg: "url", def: social.GoogleIssuer,
		usage: "OpenID Connect issuer of Google sign-in, whose discovery document gives the endpoints and the keys of ID tokens (for tests)"},
	{flag: "media-url", env: "COMMERCE_MEDIA_URL", arg: "url", def: "file://" + defaultMediaDir + " beside the working directory",
		usage: "bucket of uploaded images: file:///var/lib/shop/media, mem://, or s3://bucket?endpoint=…&region=…"},
	{flag: "media-sweep", env: "COMMERCE_MEDIA_SWEEP", arg: "duration", def: "1h",
		usage: "how often uploaded images that no product, brand or problem uses are deleted (once a day old); 0 never"},
	{flag: "kakao-client-id", env: "COMMERCE_KAKAO_CLIENT_ID", arg: "id", def: "none, Kakao sign-in is off",
		usage: "REST API key of Kakao sign-in"},
	{flag: "kakao-client-secret", env: "COMMERCE_KAKAO_CLIENT_SECRET", arg: "secret", def: "none",
		usage: "client secret of Kakao sign-in, if the application has one enabled; prefer the variable"},
	{flag: "kakao-auth-url", env: "COMMERCE_KAKAO_AUTH_URL", arg: "url", def: "Kakao's",
		usage: "replaces Kakao's authorization endpoint (for tests)"},
	{flag: "kakao-token-url", env: "COMMERCE_KAKAO_TOKEN_URL", arg: "url", def: "Kakao's",
		usage: "replaces Kakao's token endpoint (for tests)"},
	{flag: "kakao-userinfo-url", env: "COMMERCE_KAKAO_USERINFO_URL", arg: "url", def: "Kakao's",
		usage: "replaces Kakao's user-info endpoint (for tests)"},
	{flag: "kakao-issuer", env: "COMMERCE_KAKAO_ISSUER", arg: "url", def: social.KakaoIssuer,
		usage: "OpenID Connect issuer of Kakao sign-in, whose discovery document gives the endpoints and the keys of ID tokens (for tests)"},
	{flag: "events-url", env: "COMMERCE_EVENTS_URL", arg: "url", def: "none; events go to webhooks only",
		usage: "topic the relay publishes every domain event to: nats://SUBJECT (server in NATS_SERVER_URL), rabbit://EXCHANGE (server in RABBIT_SERVER_URL) or mem://TOPIC"},
	{flag: "webhooks-allow-private", env: "COMMERCE_WEBHOOKS_ALLOW_PRIVATE", arg: "1|0", def: "0", boolean: true,
		usage: "let webhook endpoints use http and loopback, private or link-local addresses (tests, endpoints inside your own network)"},
	{flag: "kakao-oidc", env: "COMMERCE_KAKAO_OIDC", arg: "1|0", def: "1", boolean: true,
		usage: "sign in with Kakao by OpenID Connect, verifying its ID token; 0 for an application whose OpenID Connect is off in the Kakao developers console (plain OAuth: Kakao's user-info endpoint alone says who signed in)"},
}

// config is the server's configuration.
type config struct {
	addr string
	// metricsAddr is where /metrics is served; "" for nowhere.
	metricsAddr string
	// tracing is on when the OpenTelemetry variables name where to export
	// traces (see tracingConfig).
	tracing bool
	dsn     string
	// replicaDSNs are the read replicas' DSNs, and replicaMaxLag the lag
	// beyond which one takes no reads (0: bunstore's default).
	replicaDSNs   []string
	replicaMaxLag time.Duration
	redisURL      string
	// redisKind says which of the Redis settings redisURL came from:
	// "redis-url", "redis-cluster-url" or "redis-sentinel-url".
	redisKind   string
	redisPrefix string
	demo        bool
	logFormat   string // "text" or "json"
	dbWait      time.Duration
	// staff are the accounts of COMMERCE_BOOTSTRAP_STAFF.
	staff []staffAccount
	// iterations is the PBKDF2 work factor of new password hashes.
	iterations int
	// signUpsPerHour is account.Options.MaxClientSignUps.
	signUpsPerHour int
	// publicURL has no trailing slash; empty when not set.
	publicURL     string
	secureCookies bool
	// mediaURL is the bucket of uploaded images; mediaSweep how often the
	// unused ones are swept (0: never).
	mediaURL   string
	mediaSweep time.Duration
	// eventsURL is the topic of the domain events; "" for none.
	eventsURL string
	// webhooksAllowPrivate lets webhook endpoints be http and non-global
	// addresses.
	webhooksAllowPrivate bool
	// providers are the configured sign-in providers, Google's first.
	providers []providerConfig
	// source names where each setting came from ("-addr" or
	// "COMMERCE_ADDR"), keyed by flag name, so that an error about a value
	// names what to change.
	source map[string]string
}

// staffAccount is one pair of COMMERCE_BOOTSTRAP_STAFF.
type staffAccount struct {
	username, password string
}

// providerConfig is an external sign-in provider to offer.
type providerConfig struct {
	name   string // "google" or "kakao": the flags' prefix too
	config social.Config
}

// flagValue is a flag that remembers whether the command line set it.
type flagValue struct {
	value   string
	set     bool
	boolean bool
}

func (f *flagValue) String() string { return f.value }

func (f *flagValue) Set(s string) error {
	f.value, f.set = s, true
	return nil
}

// IsBoolFlag lets boolean settings be given without a value.
func (f *flagValue) IsBoolFlag() bool { return f.boolean }

// parseConfig reads the command line and the environment. With -h it
// prints the usage on stdout and returns flag.ErrHelp.
func parseConfig(args []string, getenv func(string) string, stdout, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	flags := make(map[string]*flagValue, len(settings))
	for _, s := range settings {
		flags[s.flag] = &flagValue{boolean: s.boolean}
		fs.Var(flags[s.flag], s.flag, s.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return config{}, err
		}
		printUsage(stderr)
		return config{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		printUsage(stderr)
		return config{}, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}

	cfg := config{source: make(map[string]string, len(settings))}
	values := make(map[string]string, len(settings))
	for _, s := range settings {
		switch f := flags[s.flag]; {
		case f.set:
			values[s.flag], cfg.source[s.flag] = f.value, "-"+s.flag
		default:
			values[s.flag], cfg.source[s.flag] = getenv(s.env), s.env
		}
	}

	var bad []string
	fail := func(name, format string, args ...any) {
		bad = append(bad, cfg.source[name]+": "+fmt.Sprintf(format, args...))
	}

	cfg.addr = values["addr"]
	if cfg.addr == "" {
		cfg.addr = ":8080"
	}
	cfg.dsn = values["mysql-dsn"]
	if v := values["mysql-replica-dsns"]; v != "" {
		// Spaces, not commas, part the DSNs: a password may hold a
		// comma, and a DSN's password is not percent-decoded.
		cfg.replicaDSNs = strings.Fields(v)
		if len(cfg.replicaDSNs) == 0 {
			fail("mysql-replica-dsns", "no DSN, only spaces")
		}
		if cfg.dsn == "" {
			fail("mysql-replica-dsns", "replicas need a primary: set %s too", cfg.source["mysql-dsn"])
		}
	}
	if v := values["mysql-replica-max-lag"]; v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil || d <= 0:
			fail("mysql-replica-max-lag", "want a positive duration such as 5s, not %q", v)
		case d < time.Second:
			fail("mysql-replica-max-lag", "want at least 1s: replicas report their lag in whole seconds, not %q", v)
		case len(cfg.replicaDSNs) == 0:
			fail("mysql-replica-max-lag", "there are no replicas: set %s too", cfg.source["mysql-replica-dsns"])
		}
		cfg.replicaMaxLag = d
	}

	if v := values["metrics-addr"]; v != "" {
		switch host, port, err := net.SplitHostPort(v); {
		case err != nil || !validPort(port) || strings.ContainsAny(host, "/ "):
			fail("metrics-addr", "want host:port such as 127.0.0.1:9090, not %q", v)
		case v == cfg.addr && port != "0":
			fail("metrics-addr", "the same address as %s: metrics are never served on the public address", cfg.source["addr"])
		}
		cfg.metricsAddr = v
	}
	tracing, err := tracingConfig(getenv)
	if err != nil {
		bad = append(bad, err.Error())
	}
	cfg.tracing = tracing

	cfg.demo = cfg.dsn == ""
	if v := values["demo"]; v != "" {
		demo, err := strconv.ParseBool(v)
		if err != nil {
			fail("demo", "want 1 or 0, not %q", v)
		}
		cfg.demo = demo
	}

	switch cfg.logFormat = values["log-format"]; cfg.logFormat {
	case "":
		cfg.logFormat = "text"
	case "text", "json":
	default:
		fail("log-format", "want text or json, not %q", cfg.logFormat)
	}

	cfg.dbWait = 30 * time.Second
	if v := values["db-wait"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fail("db-wait", "want a positive duration such as 30s, not %q", v)
		}
		cfg.dbWait = d
	}

	var redisSet []string
	for _, name := range []string{"redis-url", "redis-cluster-url", "redis-sentinel-url"} {
		if v := values[name]; v != "" {
			cfg.redisURL, cfg.redisKind = v, name
			redisSet = append(redisSet, cfg.source[name])
		}
	}
	if len(redisSet) > 1 {
		fail(cfg.redisKind, "set with %s: give one Redis, a single node, a cluster or a Sentinel group", strings.Join(redisSet[:len(redisSet)-1], " and "))
	}
	cfg.redisPrefix = values["redis-prefix"]
	if cfg.redisPrefix == "" {
		cfg.redisPrefix = redisstore.DefaultPrefix
	}

	// The pairs hold passwords: a message may name an entry by its
	// position and its username, never repeat the entry.
	if v := values["bootstrap-staff"]; v != "" {
		for i, pair := range strings.Split(v, ",") {
			user, pass, ok := strings.Cut(pair, ":")
			user = strings.TrimSpace(user)
			if !ok || user == "" || pass == "" {
				fail("bootstrap-staff", "entry %d is not username:password (passwords cannot hold commas)", i+1)
				continue
			}
			cfg.staff = append(cfg.staff, staffAccount{username: user, password: pass})
		}
	}

	cfg.iterations = account.DefaultIterations
	if v := values["password-iterations"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > account.MaxIterations {
			fail("password-iterations", "want a whole number from 1 to %d, not %q", account.MaxIterations, v)
		}
		cfg.iterations = n
	}
	cfg.signUpsPerHour = account.DefaultMaxClientSignUps
	if v := values["signups-per-hour"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fail("signups-per-hour", "want a whole number from 1, not %q", v)
		}
		cfg.signUpsPerHour = n
	}

	if v := values["public-url"]; v != "" {
		if !absoluteURL(v) {
			fail("public-url", "want the absolute http(s) URL of the server, such as https://shop.example, not %q", v)
		}
		cfg.publicURL = strings.TrimRight(v, "/")
	}
	cfg.secureCookies = strings.HasPrefix(cfg.publicURL, "https:")
	if v := values["cookie-secure"]; v != "" {
		secure, err := strconv.ParseBool(v)
		if err != nil {
			fail("cookie-secure", "want 1 or 0, not %q", v)
		}
		cfg.secureCookies = secure
	}

	cfg.mediaURL = values["media-url"]
	if cfg.mediaURL == "" {
		dir, err := filepath.Abs(defaultMediaDir)
		if err != nil {
			fail("media-url", "no default folder: %v", err)
		}
		cfg.mediaURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
	} else if u, err := url.Parse(cfg.mediaURL); err != nil || u.Scheme == "" {
		fail("media-url", "want a bucket URL such as file:///var/lib/shop/media, mem:// or s3://bucket?region=…, not %q", cfg.mediaURL)
	}
	cfg.mediaSweep = time.Hour
	if v := values["media-sweep"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			fail("media-sweep", "want a duration such as 1h, or 0 for never, not %q", v)
		}
		cfg.mediaSweep = d
	}

	if v := values["events-url"]; v != "" {
		if u, err := url.Parse(v); err != nil || u.Scheme == "" || u.Host == "" {
			fail("events-url", "want a topic URL such as nats://shop.events, rabbit://shop-events or mem://events, not %q", v)
		}
		cfg.eventsURL = v
	}
	if v := values["webhooks-allow-private"]; v != "" {
		allow, err := strconv.ParseBool(v)
		if err != nil {
			fail("webhooks-allow-private", "want 1 or 0, not %q", v)
		}
		cfg.webhooksAllowPrivate = allow
	}

	for _, name := range []string{"google", "kakao"} {
		get := func(suffix string) string { return values[name+"-"+suffix] }
		if get("client-id") == "" {
			for _, other := range []string{"client-secret", "auth-url", "token-url", "userinfo-url", "issuer", "oidc"} {
				if get(other) != "" {
					fail(name+"-"+other, "set without %s", cfg.source[name+"-client-id"])
				}
			}
			continue
		}
		for _, u := range []string{"auth-url", "token-url", "userinfo-url", "issuer"} {
			if v := get(u); v != "" && !absoluteURL(v) {
				fail(name+"-"+u, "want an absolute http(s) URL, not %q", v)
			}
		}
		openID := true
		if v := get("oidc"); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				fail(name+"-oidc", "want 1 or 0, not %q", v)
			}
			openID = on
		}
		if !openID && get("issuer") != "" {
			fail(name+"-issuer", "set with %s=0, which uses no issuer", cfg.source[name+"-oidc"])
		}
		if name == "google" && get("client-secret") == "" {
			fail("google-client-secret", "required with %s", cfg.source["google-client-id"])
		}
		if cfg.publicURL == "" {
			fail("public-url", "required with %s: the redirect URI is <public URL>/auth/%s/callback",
				cfg.source[name+"-client-id"], name)
		}
		cfg.providers = append(cfg.providers, providerConfig{name: name, config: social.Config{
			ClientID:     get("client-id"),
			ClientSecret: get("client-secret"),
			RedirectURL:  cfg.publicURL + "/auth/" + name + "/callback",
			Issuer:       get("issuer"),
			PlainOAuth:   !openID,
			AuthURL:      get("auth-url"),
			TokenURL:     get("token-url"),
			UserInfoURL:  get("userinfo-url"),
		}})
	}

	if len(bad) > 0 {
		return config{}, errors.New(strings.Join(bad, "; "))
	}
	return cfg, nil
}

// validPort reports whether s is a port number, 0 to 65535.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535 && s == strconv.Itoa(n)
}

// tracingConfig reports whether traces are exported: when
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT names
// where, unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. The
// exporter (OTLP over HTTP) reads these and the other OTEL_ variables
// itself; this only checks those it cannot serve.
func tracingConfig(getenv func(string) string) (bool, error) {
	var bad []string
	endpoint := false
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
		if v := getenv(name); v != "" {
			endpoint = true
			if !otlpURL(v) {
				bad = append(bad, fmt.Sprintf("%s: want an http(s) URL such as http://127.0.0.1:4318, not %q", name, v))
			}
		}
	}
	on := endpoint
	switch v := getenv("OTEL_SDK_DISABLED"); strings.ToLower(v) {
	case "", "false":
	case "true":
		on = false
	default:
		bad = append(bad, fmt.Sprintf("OTEL_SDK_DISABLED: want true or false, not %q", v))
	}
	switch v := getenv("OTEL_TRACES_EXPORTER"); v {
	case "", "otlp":
	case "none":
		on = false
	default:
		bad = append(bad, fmt.Sprintf("OTEL_TRACES_EXPORTER: want otlp or none, not %q", v))
	}
	if on {
		for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
			if v := getenv(name); v != "" && v != "http/protobuf" {
				bad = append(bad, fmt.Sprintf("%s: the server exports OTLP over HTTP; want http/protobuf, not %q", name, v))
			}
		}
	}
	if len(bad) > 0 {
		return false, errors.New(strings.Join(bad, "; "))
	}
	return on, nil
}

// otlpURL reports whether s is an http(s) URL with a host, as the OTLP
// endpoints are.
func otlpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// defaultMediaDir is the folder of uploaded images unless
// COMMERCE_MEDIA_URL names a bucket: beside the working directory.
const defaultMediaDir = "shop-media"

// absoluteURL reports whether s is an absolute http(s) URL without a query
// or fragment.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: server [flags]

Serves the commerce engine's shop: its pages at / and its JSON API under
/api/, with uploaded images under /media/. Each flag can also be set by its
environment variable; a flag on the command line wins over the variable.

Payments are not real: orders paid by card or mobile go through a fake
provider that accepts every payment at once (no money moves); bank_transfer
orders stay pending_payment until staff mark them paid.

The demo notices are signed by the first COMMERCE_BOOTSTRAP_STAFF account
or, without one, by a staff account "museum" made with a random password
that is never shown: nobody signs in as it.

`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range settings {
		fmt.Fprintf(tw, "  -%s %s\t%s\t%s (default: %s)\n", s.flag, s.arg, s.env, s.usage, s.def)
	}
	tw.Flush()
}
