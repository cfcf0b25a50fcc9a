package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/impactmuseum/commerce/catalog"
	"github.com/impactmuseum/commerce/internal/testdb"
	"github.com/impactmuseum/commerce/storage/bunstore"
)

func TestFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-from"},
		{[]string{"-from", "u@tcp(h)/d"}, "-to"},
		{[]string{"-from", "u@tcp(h)/d", "-dry-run", "-media", dir, "-media-url", "https://x/"}, "-media-url"},
		{[]string{"-from", "u@tcp(h)/d", "-dry-run", "-media", dir + "/none"}, "-media"},
		{[]string{"-from", "u@tcp(h)/d", "-dry-run", "extra"}, "unexpected argument"},
		{[]string{"-nope"}, "nope"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), tc.args, &bytes.Buffer{}, &stderr, false)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v; want a usage error naming %s", tc.args, err, tc.want)
		}
	}
}

// djangoDB returns the DSN of a new database holding the Django shop's
// schema (djangoimport/testdata) and a few rows written by SQL: a problem,
// a brand, a product, a user with a profile, and an order never
// completed (complete is NULL), which the import skips.
func djangoDB(t *testing.T) string {
	t.Helper()
	dsn := testdb.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MultiStatements = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema, err := os.ReadFile("../../djangoimport/testdata/django-shop-schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	rows := `
INSERT INTO posts_problem (id, name, image, content, short_content) VALUES (1, '환경', NULL, '기후 위기', '기후');
INSERT INTO posts_brand (id, name, short_content, long_content, logo, homepage, problem_id, image)
  VALUES (1, '초록손', '요약', '이야기', NULL, 'green.example', 1, '');
INSERT INTO products_product (id, product_name, brand_id, price, image, created_at, updated_at, image2, image3)
  VALUES (1, '유기농 사과잼', 1, 12000, '', '2022-03-29 10:00:00.123456', '2022-03-30 10:00:00', NULL, NULL);
INSERT INTO auth_user (id, password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
  VALUES (1, 'md5$salt$8c4a1a7d7a8c4e8c0b8a0c8f5d8e1f1a', NULL, 0, 'hana', '', '', 'hana@example.com', 0, 1, '2021-05-01 09:00:00');
INSERT INTO accounts_customer (id, name, email, problem, user_id) VALUES (1, '하나', 'hana@example.com', 'environment', 1);
INSERT INTO products_order (id, date_ordered, complete, transaction_id, customer_id) VALUES (1, '2022-04-01 12:00:00', NULL, NULL, 1);
`
	if _, err := db.Exec(string(schema) + rows); err != nil {
		t.Fatalf("loading the schema and rows: %v", err)
	}
	return dsn
}

func TestImport(t *testing.T) {
	from := djangoDB(t)
	ctx := context.Background()

	// A dry run reads and checks everything and reports; the order never
	// completed is a skip, so it fails without -allow-skips.
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"-from", from, "-dry-run"}, &stdout, &stderr, false)
	if !errors.Is(err, errSkipped) {
		t.Fatalf("dry run: %v, want errSkipped; stderr:\n%s", err, stderr.String())
	}
	for _, want := range []string{"Dry run", "products           1        1", "never completed", `"green.example" → "https://green.example"`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("dry run report lacks %q:\n%s", want, stdout.String())
		}
	}
	// Without a terminal, progress is a line per batch.
	if !strings.Contains(stderr.String(), "products: 1 of 1") {
		t.Errorf("progress lines missing:\n%s", stderr.String())
	}

	// The run, twice: the second changes nothing.
	to := testdb.MySQLDSN(t)
	for i, want := range []string{"products           1        1        0          0", "products           1        0        0          1"} {
		stdout.Reset()
		if err := run(ctx, []string{"-from", from, "-to", to, "-allow-skips"}, &stdout, &bytes.Buffer{}, false); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("run %d: report lacks %q:\n%s", i+1, want, stdout.String())
		}
	}
	db, err := bunstore.Open(to)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := bunstore.New(ctx, db, &bunstore.Options{SkipMigrations: true})
	if err != nil {
		t.Fatal(err)
	}
	page, err := catalog.NewService(s.Catalog(), nil).Products(ctx, catalog.ProductFilter{Query: "사과잼"})
	if err != nil || len(page.Items) != 1 || page.Items[0].Price.String() != "12000 KRW" {
		t.Fatalf("the imported product: %+v, %v", page.Items, err)
	}
}
