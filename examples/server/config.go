package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
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
	{flag: "mysql-dsn", env: "COMMERCE_MYSQL_DSN", arg: "dsn", def: "none, the store is in memory",
		usage: "MySQL or MariaDB DSN such as user:password@tcp(127.0.0.1:3306)/shop"},
	{flag: "demo", env: "COMMERCE_DEMO", arg: "1|0", def: "1 in memory, 0 on MySQL", boolean: true,
		usage: "load the demo catalog at start, unless the catalog has problems already"},
	{flag: "log-format", env: "COMMERCE_LOG_FORMAT", arg: "text|json", def: "text",
		usage: "format of the log on standard error"},
	{flag: "db-wait", env: "COMMERCE_DB_WAIT", arg: "duration", def: "30s",
		usage: "how long to wait at start for the database to answer"},
}

// config is the server's configuration.
type config struct {
	addr      string
	dsn       string
	demo      bool
	logFormat string // "text" or "json"
	dbWait    time.Duration
	// source names where each setting came from ("-addr" or
	// "COMMERCE_ADDR"), keyed by flag name, so that an error about a value
	// names what to change.
	source map[string]string
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

	if len(bad) > 0 {
		return config{}, errors.New(strings.Join(bad, "; "))
	}
	return cfg, nil
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: server [flags]

Serves the commerce engine's JSON API. Each flag can also be set by its
environment variable; a flag on the command line wins over the variable.

`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range settings {
		fmt.Fprintf(tw, "  -%s %s\t%s\t%s (default: %s)\n", s.flag, s.arg, s.env, s.usage, s.def)
	}
	tw.Flush()
}
