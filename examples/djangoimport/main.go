// Command djangoimport moves a Django shop — the Impact Museum shop's
// Django 3.2 database — onto the engine: its users with their passwords
// and Google and Kakao accounts, problems, brands, products with their
// photos, notices and orders. It reads the Django database, writes
// through the engine's services (package djangoimport), prints a report,
// and can be run again: a second run changes nothing, and a run stopped
// half-way is finished by the next.
//
//	go run ./examples/djangoimport -from 'shop:pw@tcp(127.0.0.1:3306)/django_shop' \
//		-to 'shop:pw@tcp(127.0.0.1:3306)/commerce' -media /srv/django/media
//
// With -dry-run it writes into memory instead: everything is read and
// checked and the report printed, and the shop is left alone. It exits
// with status 3 when a record was skipped, unless -allow-skips.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/impactmuseum/commerce/account"
	"github.com/impactmuseum/commerce/board"
	"github.com/impactmuseum/commerce/cart"
	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/djangoimport"
	"github.com/impactmuseum/commerce/media"
	"github.com/impactmuseum/commerce/media/mediaurl"
	"github.com/impactmuseum/commerce/order"
	"github.com/impactmuseum/commerce/storage/bunstore"
	"github.com/impactmuseum/commerce/storage/memstore"
)

// Exit statuses besides 0 and 1.
const (
	exitUsage   = 2
	exitSkipped = 3
)

// shopCurrency is the Django shop's currency: prices in whole won.
const shopCurrency = "KRW"

// errUsage marks a bad flag.
var errUsage = errors.New("usage")

// errSkipped is returned when records were skipped without -allow-skips.
var errSkipped = errors.New("records were skipped (see the report); run with -allow-skips to accept that")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "djangoimport:", err)
		os.Exit(exitUsage)
	case errors.Is(err, errSkipped):
		fmt.Fprintln(os.Stderr, "djangoimport:", err)
		os.Exit(exitSkipped)
	default:
		fmt.Fprintln(os.Stderr, "djangoimport:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	from, to             string
	mediaDir, mediaStore string
	mediaURL             string
	dryRun, allowSkips   bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("djangoimport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.from, "from", "", "the Django shop's MySQL database, as a DSN: user:password@tcp(host:3306)/name (required)")
	fs.StringVar(&c.to, "to", "", "the engine's MySQL database, as a DSN (required unless -dry-run)")
	fs.StringVar(&c.mediaDir, "media", "", "the Django shop's media folder (MEDIA_ROOT); without it, photos are left out unless -media-url")
	fs.StringVar(&c.mediaStore, "media-store", "", "the bucket the shop's images go in, as the server's COMMERCE_MEDIA_URL: file:///var/lib/shop/media, s3://…; default: the server's default, shop-media beside the working directory")
	fs.StringVar(&c.mediaURL, "media-url", "", "without -media: keep photos as links under this URL, such as https://old.example.com/media/, unchecked")
	fs.BoolVar(&c.dryRun, "dry-run", false, "read and check everything, write into memory, print the report; the shop is left alone")
	fs.BoolVar(&c.allowSkips, "allow-skips", false, "exit with status 0 even when records were skipped")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: djangoimport -from DSN (-to DSN | -dry-run) [-media DIR] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case c.from == "":
		return c, fmt.Errorf("%w: -from: the Django database's DSN is required", errUsage)
	case c.to == "" && !c.dryRun:
		return c, fmt.Errorf("%w: -to: the engine's database DSN is required (or -dry-run)", errUsage)
	case c.mediaDir != "" && c.mediaURL != "":
		return c, fmt.Errorf("%w: -media-url: give -media or -media-url, not both", errUsage)
	case c.mediaStore != "" && c.mediaDir == "":
		return c, fmt.Errorf("%w: -media-store: it is where the photos of -media go; give -media too", errUsage)
	}
	if c.mediaDir != "" {
		if st, err := os.Stat(c.mediaDir); err != nil || !st.IsDir() {
			return c, fmt.Errorf("%w: -media: %q is not a folder", errUsage, c.mediaDir)
		}
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if !terminal {
		log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	from, err := djangoimport.Open(ctx, c.from)
	if err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	defer from.Close()

	var (
		catRepo catalog.Repository
		users   account.Repository
		posts   board.Repository
		orders  order.Repository
		carts   cart.Repository
		tx      order.Transactor
	)
	if c.dryRun {
		mem := memstore.New(nil)
		catRepo, users, posts, orders, carts, tx = mem.Catalog(), mem.Accounts(), mem.Board(), mem.Orders(), mem.Carts(), mem.Transactor()
	} else {
		db, err := bunstore.Open(c.to)
		if err != nil {
			return fmt.Errorf("-to: %w", err)
		}
		defer db.Close()
		s, err := bunstore.New(ctx, db, nil)
		if err != nil {
			return fmt.Errorf("-to: %w", err)
		}
		catRepo, users, posts, orders, carts, tx = s.Catalog(), s.Accounts(), s.Board(), s.Orders(), s.Carts(), s.Transactor()
	}

	var images *media.Store
	if c.mediaDir != "" {
		bucket := c.mediaStore
		switch {
		case c.dryRun:
			bucket = "mem://"
		case bucket == "":
			dir, err := filepath.Abs("shop-media")
			if err != nil {
				return fmt.Errorf("-media-store: %w", err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("-media-store: %w", err)
			}
			bucket = "file://" + filepath.ToSlash(dir)
		}
		images, err = mediaurl.Open(ctx, bucket, nil)
		if err != nil {
			return fmt.Errorf("-media-store: %w", err)
		}
		defer images.Close()
	}

	idle := memstore.New(nil)
	opts := djangoimport.Options{
		From:    from,
		Catalog: catalog.NewService(catRepo, &catalog.Options{Media: images, Currency: shopCurrency}),
		// The import starts no session: memory stores fill the slots.
		Accounts: account.NewService(users, idle.Sessions(), idle.Attempts(), nil),
		Board:    board.NewService(posts, nil),
		Orders:   order.NewService(orders, tx, &order.Options{Currency: shopCurrency}),
		Carts:    cart.NewService(carts, catRepo, &cart.Options{Currency: shopCurrency}),
		MediaDir: c.mediaDir, Images: images, MediaURL: c.mediaURL,
		DryRun: c.dryRun, Logger: log,
	}
	opts.Progress = progress(stderr, terminal)
	report, err := djangoimport.Import(ctx, opts)
	if report != nil {
		fmt.Fprintln(stdout)
		if _, werr := report.WriteTo(stdout); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return err
	}
	if report.Skipped() > 0 && !c.allowSkips {
		return errSkipped
	}
	return nil
}

// progress returns the import's progress callback: a bar per kind on a
// terminal, a line per batch otherwise.
func progress(w io.Writer, terminal bool) func(kind string, done, total int) {
	var (
		bar  *progressbar.ProgressBar
		last string
	)
	return func(kind string, done, total int) {
		if !terminal {
			fmt.Fprintf(w, "%s: %d of %d\n", kind, done, total)
			return
		}
		if kind != last || bar == nil {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(w)
			}
			last = kind
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(fmt.Sprintf("%-9s", kind)), progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond))
		}
		_ = bar.Set(done)
	}
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
